"""Adding results to the hourly and daily rollups: one SQL for cloud workers and pushes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from shared.status import Status
from shared.uptime import HISTOGRAM_BOUNDS_MS, HISTOGRAM_SIZE, Rollup

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


def _bucket_case(column: str) -> str:
    """SQL for histogram_bucket(column): the index of the first bound >= the value."""
    whens = " ".join(
        f"WHEN {column} <= {bound} THEN {index}" for index, bound in enumerate(HISTOGRAM_BOUNDS_MS)
    )
    return f"CASE {whens} ELSE {len(HISTOGRAM_BOUNDS_MS)} END"


def rollups_from(rows: str, source: Literal["local", "cloud"]) -> str:
    """SQL CTEs that add rows (a CTE with monitor_id, status, response_time_ms, checked_at)
    to the hourly and daily rollups of source, with the same counts as Rollup.add.

    Done in the database, so a push of thousands of results costs no Python per result.
    """
    histogram = ", ".join(
        f"count(*) FILTER (WHERE rt IS NOT NULL AND b = {index})" for index in range(HISTOGRAM_SIZE)
    )
    timed = (
        "SELECT monitor_id, status, checked_at,"  # noqa: S608 - built from our own constants
        " CASE WHEN status IN ('up', 'degraded') THEN response_time_ms END AS rt,"
        f" {_bucket_case('response_time_ms')} AS b FROM {rows}"
    )
    parts = [f"timed AS ({timed})"]
    for table, unit in (("rollups_hourly", "hour"), ("rollups_daily", "day")):
        select = (
            f"SELECT monitor_id, '{source}', date_trunc('{unit}', checked_at, 'UTC') AS bucket,"  # noqa: S608
            " count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'degraded'),"
            " count(*) FILTER (WHERE status = 'down'),"
            " count(*) FILTER (WHERE status NOT IN ('up', 'degraded', 'down')),"
            f" count(rt), coalesce(sum(rt), 0), min(rt), max(rt), ARRAY[{histogram}]"
            " FROM timed GROUP BY monitor_id, bucket ORDER BY monitor_id, bucket"
        )
        upsert = UPSERT_ROLLUP.format(table=table).replace(
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", select
        )
        parts.append(f"{table} AS ({upsert.strip()} RETURNING 1)")
    return ", ".join(parts)
