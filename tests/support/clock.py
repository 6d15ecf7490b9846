"""FakeClock: monotonic and wall time that tests move by hand, never by sleeping."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A Clock whose time only moves when a test calls advance() or jump()."""

    def __init__(self, wall: datetime | None = None) -> None:
        self.mono = 1000.0
        self.wall = wall or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._ids = itertools.count()

    def monotonic(self) -> float:
        """Return the fake monotonic time."""
        return self.mono

    def now(self) -> datetime:
        """Return the fake wall time."""
        return self.wall

    async def sleep(self, seconds: float) -> None:
        """Wait until the fake monotonic time has moved by seconds."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.mono + seconds, next(self._ids), future))
        await future

    async def advance(self, seconds: float, *, step: float = 0.05) -> None:
        """Move both clocks forward in small steps, letting due sleepers and tasks run."""
        end = self.mono + seconds
        while self.mono < end - 1e-9:
            delta = min(step, end - self.mono)
            self.mono += delta
            self.wall += timedelta(seconds=delta)
            await self._wake_due()

    async def jump(self, *, wall: float, monotonic: float = 0.0) -> None:
        """Jump the clocks at once, as a laptop sleep does (Linux: monotonic stands still)."""
        self.wall += timedelta(seconds=wall)
        self.mono += monotonic
        await self._wake_due()

    async def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self.mono + 1e-9:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        for _ in range(10):  # let woken tasks run their next steps at this instant
            await asyncio.sleep(0)
