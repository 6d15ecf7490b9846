"""Time as a dependency: code takes a Clock so tests can move time without sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """The two clocks a scheduler needs and a way to wait on them."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (it may stop while the machine sleeps)."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for seconds of monotonic time."""
        ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        """Return time.monotonic()."""
        return time.monotonic()

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the running event loop."""
        await asyncio.sleep(seconds)
