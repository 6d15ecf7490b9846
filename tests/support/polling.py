"""Polling helpers shared by the recording servers (sync and async flavours)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

DEFAULT_INTERVAL = 0.01


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
