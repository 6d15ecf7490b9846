"""Adding results to the hourly and daily rollups: one upsert for cloud workers and pushes.

The statements are SQLAlchemy Core built from shared.uptime's constants (which statuses
count, the histogram's bounds), so the server adds up results as Rollup.add does.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Select,
    Table,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.dialects.postgresql import dialect as postgresql_dialect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.dml import Insert

from shared.status import Status
from shared.uptime import (
    COUNTED,
    HISTOGRAM_BOUNDS_MS,
    HISTOGRAM_SIZE,
    ROLLUP_COLUMNS,
    SUMMED_COLUMNS,
    UP_STATUSES,
    Rollup,
    day_start,
    hour_start,
)
from sync_server.history.tables import DailyRollup, HourlyRollup

HOURLY: Table = HourlyRollup.__table__  # type: ignore[attr-defined]
DAILY: Table = DailyRollup.__table__  # type: ignore[attr-defined]
KEY_COLUMNS = ("monitor_id", "source", "bucket")
INSERTED_COLUMNS = (*KEY_COLUMNS, *ROLLUP_COLUMNS, "histogram")
Source = Literal["local", "cloud"]
ROWS_COLUMNS = ("monitor_id", "status", "response_time_ms", "checked_at")  # what rollup_ctes reads
# psycopg's positional parameters (%s): the upserts run on a worker's connection or a
# request's driver connection, one parameter row per rollup (rollup_rows)
_POSITIONAL = postgresql_dialect(paramstyle="format")  # type: ignore[no-untyped-call]


def _summed_arrays(stored: ColumnElement[Any], added: ColumnElement[Any]) -> ColumnElement[Any]:
    """ARRAY(SELECT a + b FROM unnest(stored, added) WITH ORDINALITY ... ORDER BY n)."""
    pairs = (
        func.unnest(stored, added)
        .table_valued("a", "b", with_ordinality="n")
        .render_derived(name="t")
    )
    summed = select(pairs.c.a + pairs.c.b).select_from(pairs).order_by(pairs.c.n)
    return func.array(summed.scalar_subquery())


def _merging(insert: Insert, target: Table) -> Insert:
    """The insert, adding to a stored rollup of the same monitor, source and bucket."""
    new = insert.excluded
    merged: dict[str, Any] = {name: target.c[name] + new[name] for name in SUMMED_COLUMNS}
    merged["rt_min"] = func.least(target.c.rt_min, new.rt_min)
    merged["rt_max"] = func.greatest(target.c.rt_max, new.rt_max)
    merged["histogram"] = _summed_arrays(target.c.histogram, new.histogram)
    return insert.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=merged)


def upsert_statement(target: Table) -> Insert:
    """Return the upsert of one rollup row of target, its values in INSERTED_COLUMNS order."""
    return _merging(pg_insert(target), target)


UPSERT_HOURLY = str(upsert_statement(HOURLY).compile(dialect=_POSITIONAL))
UPSERT_DAILY = str(upsert_statement(DAILY).compile(dialect=_POSITIONAL))

Point = tuple[uuid.UUID, datetime, Status, int | None]  # monitor, checked_at, status, ms


def buckets(points: Iterable[Point]) -> tuple[dict[Any, Rollup], dict[Any, Rollup]]:
    """Return the hourly and daily rollups of points, keyed (monitor id, bucket start)."""
    hourly: dict[Any, Rollup] = defaultdict(Rollup)
    daily: dict[Any, Rollup] = defaultdict(Rollup)
    for monitor_id, checked_at, status, response_ms in points:
        hourly[(monitor_id, hour_start(checked_at))].add(status, response_ms)
        daily[(monitor_id, day_start(checked_at))].add(status, response_ms)
    return hourly, daily


def rollup_rows(source: str, rollups: dict[Any, Rollup]) -> list[tuple[Any, ...]]:
    """Return UPSERT_HOURLY / UPSERT_DAILY parameter rows, sorted so concurrent writers
    lock in one order."""
    return [
        (monitor_id, source, bucket, *rollup.columns(), rollup.histogram)
        for (monitor_id, bucket), rollup in sorted(rollups.items(), key=lambda kv: str(kv[0]))
    ]


def _timed(rows: FromClause) -> CTE:
    """rows with their response time where it counts (rt) and its histogram bucket (b)."""
    up = [literal(str(status)) for status in sorted(UP_STATUSES)]
    bucket = case(
        *((rows.c.response_time_ms <= literal(bound), literal(index))
          for index, bound in enumerate(HISTOGRAM_BOUNDS_MS)),
        else_=literal(len(HISTOGRAM_BOUNDS_MS)),
    )  # fmt: skip
    return select(
        rows.c.monitor_id,
        rows.c.status,
        func.date_trunc(literal("hour"), rows.c.checked_at, literal("UTC")).label("hour"),
        func.date_trunc(literal("day"), rows.c.checked_at, literal("UTC")).label("day"),
        case((rows.c.status.in_(up), rows.c.response_time_ms)).label("rt"),
        bucket.label("b"),
    ).cte("timed")


def _added(timed: CTE, target: Table, unit: str, source: Source, name: str) -> CTE:
    """The upsert of timed's rows into target's buckets (unit: "hour" or "day"), a CTE."""
    counted = [literal(str(status)) for status in COUNTED]  # in COUNT_COLUMNS order
    counts = [func.count().filter(timed.c.status == value) for value in counted]
    counts.append(func.count().filter(timed.c.status.not_in(counted)))
    rt = timed.c.rt
    histogram = array(
        [func.count().filter(and_(rt.is_not(None), timed.c.b == literal(index)))
         for index in range(HISTOGRAM_SIZE)]
    )  # fmt: skip
    bucket = timed.c[unit]
    figures = select(
        timed.c.monitor_id, literal(source), bucket, *counts,
        func.count(rt), func.coalesce(func.sum(rt), literal(0)), func.min(rt), func.max(rt),
        histogram,
    ).group_by(timed.c.monitor_id, bucket).order_by(timed.c.monitor_id, bucket)  # fmt: skip
    insert = pg_insert(target).from_select(list(INSERTED_COLUMNS), figures)
    # RETURNING makes the upsert a CTE; what it returns is not read
    return _merging(insert, target).returning(target.c.monitor_id).cte(name)


def rollup_ctes(rows: FromClause, source: Source) -> list[CTE]:
    """Return the CTEs that add rows (monitor_id, status, response_time_ms, checked_at) to
    the hourly and daily rollups of source, with the same counts as Rollup.add.

    Done in the database, so a push of thousands of results costs no Python per result.
    """
    timed = _timed(rows)
    return [
        timed,
        _added(timed, HOURLY, "hour", source, "added_hourly"),
        _added(timed, DAILY, "day", source, "added_daily"),
    ]


def count_with_rollups(new: CTE, source: Source) -> Select[int]:
    """Return the statement that adds new's rows to the rollups of source and counts them:
    one round trip with the statement that makes new."""
    return select(func.count()).select_from(new).add_cte(*rollup_ctes(new, source))
