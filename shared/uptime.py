"""Uptime maths over rollups: counts per outcome and a small response-time histogram."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.status import Status

# Upper bounds (ms) of the response-time histogram buckets; the last bucket is open.
HISTOGRAM_BOUNDS_MS: tuple[int, ...] = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000)
HISTOGRAM_SIZE = len(HISTOGRAM_BOUNDS_MS) + 1

# The statuses a rollup counts in a column of their own; any other (unknown, paused) counts
# as unknown, which is in no uptime figure.
COUNTED: dict[Status, str] = {Status.UP: "up", Status.DEGRADED: "degraded", Status.DOWN: "down"}
# Statuses that count as up for uptime, and the only ones whose response times are kept
# (a failure's time says how long it took to fail, not how fast the site is).
UP_STATUSES: frozenset[Status] = frozenset({Status.UP, Status.DEGRADED})
# A rollup's columns on both sides, in this order, then its histogram (h0..h11 on the
# desktop, one array on the server).
COUNT_COLUMNS: tuple[str, ...] = ("up", "degraded", "down", "unknown")
RT_COLUMNS: tuple[str, ...] = ("rt_count", "rt_sum", "rt_min", "rt_max")
ROLLUP_COLUMNS: tuple[str, ...] = COUNT_COLUMNS + RT_COLUMNS
# merged by adding; rt_min and rt_max by least and greatest, the histogram bucket by bucket
SUMMED_COLUMNS: tuple[str, ...] = (*COUNT_COLUMNS, "rt_count", "rt_sum")
HOUR_S = 3600
DAY_S = 86400

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def histogram_bucket(response_ms: int) -> int:
    """Return the index of the histogram bucket a response time falls in."""
    return bisect.bisect_left(HISTOGRAM_BOUNDS_MS, response_ms)


def uptime_percent(ok: int, known: int) -> float | None:
    """Return ok (up + degraded) of known checks in percent; None when nothing is known."""
    return 100.0 * ok / known if known else None


def merge_histograms(histograms: Iterable[Sequence[int]]) -> list[int]:
    """Return the bucket-by-bucket sum of histograms of one size (empty: all zeros)."""
    return [sum(bucket) for bucket in zip(*histograms, strict=True)] or [0] * HISTOGRAM_SIZE


def hour_start(at: datetime) -> datetime:
    """Return the start (UTC) of the hourly rollup bucket that holds at."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(at: datetime) -> datetime:
    """Return the start (UTC midnight) of the daily rollup bucket that holds at."""
    return hour_start(at).replace(hour=0)


def window_start(window: timedelta, now: datetime) -> tuple[bool, datetime]:
    """Return (hourly?, first bucket) of the rollups that cover window before now.

    A day or less reads hourly rollups from the first whole hour in the window; longer
    windows read daily rollups of the last window.days UTC days, today included, so a view
    never reads more than a few rows per monitor.
    """
    if window <= timedelta(days=1):
        return True, hour_start(now - window) + timedelta(hours=1)
    days = int(window.total_seconds() // DAY_S)
    return False, day_start(now) - timedelta(days=days - 1)


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

    @classmethod
    def from_columns(cls, values: Sequence[int | None], histogram: Sequence[int | None]) -> Rollup:
        """Return the rollup of values in ROLLUP_COLUMNS order (a sum of none is 0)."""
        up, degraded, down, unknown, rt_count, rt_sum, rt_min, rt_max = values
        return cls(
            up or 0, degraded or 0, down or 0, unknown or 0, rt_count or 0, rt_sum or 0,
            rt_min, rt_max, [count or 0 for count in histogram],
        )  # fmt: skip

    def columns(self) -> tuple[int | None, ...]:
        """Return the figures in ROLLUP_COLUMNS order (the histogram is apart)."""
        return (self.up, self.degraded, self.down, self.unknown,
                self.rt_count, self.rt_sum, self.rt_min, self.rt_max)  # fmt: skip

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
        if response_ms is not None and status in UP_STATUSES:
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
        self.histogram = merge_histograms((self.histogram, other.histogram))

    @property
    def known(self) -> int:
        """Checks with a known outcome."""
        return self.up + self.degraded + self.down

    @property
    def uptime(self) -> float | None:
        """Uptime in percent, (up + degraded) / known; None when nothing is known."""
        return uptime_percent(self.up + self.degraded, self.known)

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
