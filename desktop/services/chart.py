"""The detail pane's response-time chart: the last hour check by check, longer ranges from
rollups (a bucket's mean response time and its worst status)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop.storage.history import HistoryRepository
from shared.status import Status
from shared.uptime import Rollup

CHART_SPANS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
DEFAULT_SPAN = "1h"
RAW_POINTS_MAX = 5000  # an hour at a 1 s interval, from a few origins


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One point: a check (its response time) or a bucket (its mean), with its status."""

    at: datetime
    ms: int | None  # None: no response time (a failure without one, or a bucket of none)
    status: Status  # the check's, or the worst in the bucket


@dataclass(frozen=True, slots=True)
class ChartData:
    """What the chart draws for one range."""

    span: str
    start: datetime
    end: datetime
    points: list[ChartPoint]  # oldest first
    degraded_after_ms: int | None  # the monitor's degraded threshold, drawn as a line


def bucket_status(rollup: Rollup) -> Status:
    """Return a bucket's worst status: down, degraded, up, else unknown."""
    if rollup.down:
        return Status.DOWN
    if rollup.degraded:
        return Status.DEGRADED
    return Status.UP if rollup.up else Status.UNKNOWN


def chart_data(
    history: HistoryRepository,
    monitor_pk: int,
    monitor_id: uuid.UUID,
    *,
    span: str,
    now: datetime,
    degraded_after_ms: int | None,
) -> ChartData:
    """Return the chart of span ("1h", "24h", "7d", "30d") ending now; raise KeyError for
    another span."""
    start = now - CHART_SPANS[span]
    if span == "1h":
        checks = history.recent_checks(monitor_pk, monitor_id, limit=RAW_POINTS_MAX, since=start)
        points = [ChartPoint(c.checked_at, c.response_time_ms, c.status) for c in reversed(checks)]
    else:
        days = CHART_SPANS[span].days
        buckets = (
            history.daily_rollups(monitor_pk, days, now)
            if span == "30d"
            else history.hourly_rollups(monitor_pk, start)
        )
        points = [
            ChartPoint(at, None if r.mean_ms is None else round(r.mean_ms), bucket_status(r))
            for at, r in buckets
        ]
    return ChartData(span, start, now, points, degraded_after_ms)
