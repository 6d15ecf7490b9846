"""Adding results to the hourly and daily rollups: one SQL for cloud workers and pushes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from shared.status import Status
from shared.uptime import Rollup

# psycopg parameters (%s): run on a worker's connection or a request's driver connection
UPSERT_ROLLUP = """
INSERT INTO {table} AS r (monitor_id, source, bucket, up, degraded, down, unknown, rt_count,
                          rt_sum, rt_min, rt_max, histogram)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (monitor_id, source, bucket) DO UPDATE SET
    up = r.up + excluded.up, degraded = r.degraded + excluded.degraded,
    down = r.down + excluded.down, unknown = r.unknown + excluded.unknown,
    rt_count = r.rt_count + excluded.rt_count, rt_sum = r.rt_sum + excluded.rt_sum,
    rt_min = least(r.rt_min, excluded.rt_min), rt_max = greatest(r.rt_max, excluded.rt_max),
    histogram = ARRAY(
        SELECT a + b FROM unnest(r.histogram, excluded.histogram) WITH ORDINALITY AS t(a, b, n)
        ORDER BY n
    )
"""
UPSERT_HOURLY = UPSERT_ROLLUP.format(table="rollups_hourly")
UPSERT_DAILY = UPSERT_ROLLUP.format(table="rollups_daily")

Point = tuple[uuid.UUID, datetime, Status, int | None]  # monitor, checked_at, status, ms


def buckets(points: Iterable[Point]) -> tuple[dict[Any, Rollup], dict[Any, Rollup]]:
    """Return the hourly and daily rollups of points, keyed (monitor id, bucket start)."""
    hourly: dict[Any, Rollup] = defaultdict(Rollup)
    daily: dict[Any, Rollup] = defaultdict(Rollup)
    for monitor_id, checked_at, status, response_ms in points:
        hour = checked_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hourly[(monitor_id, hour)].add(status, response_ms)
        daily[(monitor_id, hour.replace(hour=0))].add(status, response_ms)
    return hourly, daily


def rollup_rows(source: str, rollups: dict[Any, Rollup]) -> list[tuple[Any, ...]]:
    """Return UPSERT_ROLLUP parameter rows, sorted so concurrent writers lock in one order."""
    return [
        (monitor_id, source, bucket, r.up, r.degraded, r.down, r.unknown, r.rt_count, r.rt_sum,
         r.rt_min, r.rt_max, r.histogram)
        for (monitor_id, bucket), r in sorted(rollups.items(), key=lambda kv: str(kv[0]))
    ]  # fmt: skip
