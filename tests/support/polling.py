"""Polling helpers shared by the recording servers (sync and async flavours)."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Generic, TypeVar

DEFAULT_INTERVAL = 0.01
R = TypeVar("R")


def ensure_no_running_loop(helper: str) -> None:
    """Raise if called from inside a running event loop, where blocking would starve it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"{helper} blocks with time.sleep; from async code use the *_async variant instead"
    )


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
    interval: float = DEFAULT_INTERVAL,
) -> None:
    """Poll `predicate` with time.sleep until true, or fail with `describe()` after `timeout`."""
    ensure_no_running_loop("wait_until")
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s: {describe()}")
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
    interval: float = DEFAULT_INTERVAL,
) -> None:
    """Poll `predicate` with asyncio.sleep until true, or fail with `describe()` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s: {describe()}")
        await asyncio.sleep(interval)


class Recorder(ABC, Generic[R]):
    """A recording server's waits for what it records (requests, mails)."""

    @abstractmethod
    def _recorded(self) -> list[R]:
        """A snapshot of everything recorded so far, oldest first."""

    @abstractmethod
    def _describe(self, count: int) -> str:
        """What a wait expected and what it got, for the timeout's message."""

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[R]:
        """Block (sync code only) until `count` records arrived; return them all."""
        wait_until(lambda: len(self._recorded()) >= count, timeout, lambda: self._describe(count))
        return self._recorded()

    async def wait_for_async(self, count: int = 1, timeout: float = 5.0) -> list[R]:
        """Await until `count` records arrived; return them all."""
        await wait_until_async(
            lambda: len(self._recorded()) >= count, timeout, lambda: self._describe(count)
        )
        return self._recorded()
