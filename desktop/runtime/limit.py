"""A concurrency limit whose size can change while checks run and wait (Settings applies live)."""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class Limit:
    """At most `size` holders at once, first come first served; resize() takes effect at once.

    Growing lets waiters in now; shrinking lets running holders finish and admits no one
    until fewer than the new size hold it.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a limit must be at least 1")
        self._size = size
        self._held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def size(self) -> int:
        """How many may hold it at once."""
        return self._size

    @property
    def held(self) -> int:
        """How many hold it now."""
        return self._held

    def resize(self, size: int) -> None:
        """Change the size; raise ValueError below 1."""
        if size < 1:
            raise ValueError("a limit must be at least 1")
        self._size = size
        self._admit()

    async def __aenter__(self) -> None:
        if self._held < self._size and not self._waiters:
            self._held += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.cancelled():
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            else:
                self._release()  # admitted, then cancelled before it could run
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        self._held -= 1
        self._admit()

    def _admit(self) -> None:
        while self._waiters and self._held < self._size:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled one leaves by itself
                self._held += 1
                waiter.set_result(None)
