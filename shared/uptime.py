"""Uptime maths over rollups: counts per outcome and a small response-time histogram."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from shared.status import Status

# Upper bounds (ms) of the response-time histogram buckets; the last bucket is open.
HISTOGRAM_BOUNDS_MS: tuple[int, ...] = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000)
HISTOGRAM_SIZE = len(HISTOGRAM_BOUNDS_MS) + 1

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def histogram_bucket(response_ms: int) -> int:
    """Return the index of the histogram bucket a response time falls in."""
    return bisect.bisect_left(HISTOGRAM_BOUNDS_MS, response_ms)


@dataclass(slots=True)
class Rollup:
    """Aggregated results of one monitor over one hour or day."""

    up: int = 0
    degraded: int = 0
    down: int = 0
    unknown: int = 0
    rt_count: int = 0
    rt_sum: int = 0
    rt_min: int | None = None
    rt_max: int | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_SIZE)

    def add(self, status: Status, response_ms: int | None) -> None:
        """Count one result."""
        if status == Status.UP:
            self.up += 1
        elif status == Status.DEGRADED:
            self.degraded += 1
        elif status == Status.DOWN:
            self.down += 1
        else:
            self.unknown += 1
        if response_ms is not None and status in (Status.UP, Status.DEGRADED):
            self.rt_count += 1
            self.rt_sum += response_ms
            self.rt_min = response_ms if self.rt_min is None else min(self.rt_min, response_ms)
            self.rt_max = response_ms if self.rt_max is None else max(self.rt_max, response_ms)
            self.histogram[histogram_bucket(response_ms)] += 1

    def merge(self, other: Rollup) -> None:
        """Add another rollup's counts into this one."""
        self.up += other.up
        self.degraded += other.degraded
        self.down += other.down
        self.unknown += other.unknown
        self.rt_count += other.rt_count
        self.rt_sum += other.rt_sum
        if other.rt_min is not None:
            self.rt_min = other.rt_min if self.rt_min is None else min(self.rt_min, other.rt_min)
        if other.rt_max is not None:
            self.rt_max = other.rt_max if self.rt_max is None else max(self.rt_max, other.rt_max)
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]

    @property
    def known(self) -> int:
        """Checks with a known outcome."""
        return self.up + self.degraded + self.down

    @property
    def uptime(self) -> float | None:
        """Uptime in percent, (up + degraded) / known; None when nothing is known."""
        if self.known == 0:
            return None
        return 100.0 * (self.up + self.degraded) / self.known

    @property
    def mean_ms(self) -> float | None:
        """Mean response time of answered checks."""
        return self.rt_sum / self.rt_count if self.rt_count else None

    @property
    def p95_ms(self) -> int | None:
        """Upper bound of the bucket holding the 95th percentile (rt_max for the open bucket)."""
        if self.rt_count == 0:
            return None
        target = 0.95 * self.rt_count
        seen = 0
        for index, count in enumerate(self.histogram):
            seen += count
            if seen >= target:
                if index < len(HISTOGRAM_BOUNDS_MS):
                    return min(
                        HISTOGRAM_BOUNDS_MS[index], self.rt_max or HISTOGRAM_BOUNDS_MS[index]
                    )
                return self.rt_max
        return self.rt_max


def combine(rollups: Iterable[Rollup]) -> Rollup:
    """Return one rollup holding the sum of many."""
    total = Rollup()
    for rollup in rollups:
        total.merge(rollup)
    return total


def format_uptime(percent: float | None) -> str:
    """Return uptime for people: "99.95%", "100%", or "—" when unknown."""
    if percent is None:
        return "—"
    if percent >= 100.0:
        return "100%"
    text = f"{percent:.2f}"
    if text == "100.00":
        text = "99.99"
    return f"{text}%"
