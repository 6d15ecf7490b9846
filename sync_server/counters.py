"""Sliding-window counters in one process: the rate limits' store when there is no Redis.

`limits`' own in-memory stores sweep expired entries with a background task or thread after
nearly every hit, which bench/api.py measured at 35-40 % of the server's CPU per request.
This store keeps two counts per key (this window and the last), weighs the last by how much
of it still overlaps, and sweeps stale keys once a window: O(1) per hit. It follows the
sliding-window-counter algorithm that `limits` uses with Redis.
"""

from __future__ import annotations

import math


class LocalCounters:
    """Counts hits per key; not shared between processes (use Redis for that)."""

    def __init__(self) -> None:
        # key -> (window length, window number, hits in it, hits in the window before)
        self._counts: dict[str, tuple[int, int, int, int]] = {}
        self._swept_at = 0.0

    def hit(self, key: str, limit: int, seconds: int, now: float) -> float | None:
        """Count a hit unless it would pass limit per seconds; then return the seconds to wait."""
        window, into = divmod(now, seconds)
        number = int(window)
        current, previous = self._window(key, number)
        weight = 1.0 - into / seconds
        if previous * weight + current + 1 > limit:
            return self._wait(limit, seconds, into, current, previous)
        self._counts[key] = (seconds, number, current + 1, previous)
        if now - self._swept_at >= 60:
            self._sweep(now)
            self._swept_at = now
        return None

    def count(self, key: str, seconds: int, now: float) -> float:
        """Return the hits key has in the sliding window that ends now (last window weighed)."""
        window, into = divmod(now, seconds)
        current, previous = self._window(key, int(window))
        return previous * (1.0 - into / seconds) + current

    def refund(self, key: str, seconds: int, now: float) -> None:
        """Take back one hit counted earlier (in this window, else the one before)."""
        number = int(now // seconds)
        current, previous = self._window(key, number)
        if current > 0:
            self._counts[key] = (seconds, number, current - 1, previous)
        elif previous > 0:
            self._counts[key] = (seconds, number, 0, previous - 1)

    def _window(self, key: str, number: int) -> tuple[int, int]:
        stored = self._counts.get(key)
        if stored is None or stored[1] < number - 1:
            return 0, 0
        if stored[1] == number - 1:
            return 0, stored[2]
        return stored[2], stored[3]

    @staticmethod
    def _wait(limit: int, seconds: int, into: float, current: int, previous: int) -> float:
        if current + 1 > limit:  # this window alone is full: wait for the next one to weigh less
            return seconds - into + seconds * (current + 1 - limit) / max(current, 1)
        # the last window's share must fall to what is left: previous * (1 - t/seconds) <= room
        room = limit - current - 1
        needed = seconds * (1 - room / previous)
        return max(needed - into, 0.001)

    def _sweep(self, now: float) -> None:
        stale = [
            key
            for key, (seconds, number, _, _) in self._counts.items()
            if number < now // seconds - 1
        ]
        for key in stale:
            del self._counts[key]


def retry_after(wait: float) -> int:
    """Whole seconds for the Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))
