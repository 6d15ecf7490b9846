"""The server's rollup SQL adds results up as shared.uptime.Rollup.add does, on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Engine, Integer, String, Table, Uuid, column, select, text

from shared.status import Status
from shared.uptime import HISTOGRAM_BOUNDS_MS, ROLLUP_COLUMNS, Rollup, combine
from sync_server.history.rollups import (
    DAILY,
    HOURLY,
    UPSERT_DAILY,
    UPSERT_HOURLY,
    buckets,
    count_with_rollups,
    rollup_rows,
)
from tests.support.personas import ALICE_EMAIL
from tests.sync_server.rows import insert_monitor, insert_user

HOUR = datetime(2026, 11, 30, 14, tzinfo=UTC)
# every way a result can count: each status, no time, a failure's time, each bucket's edges
RESULTS: list[tuple[Status, int | None]] = [
    (Status.UP, 40), (Status.UP, 50), (Status.UP, 51), (Status.DEGRADED, 5000),
    (Status.DEGRADED, 5001), (Status.UP, None), (Status.DOWN, 9000), (Status.DOWN, None),
    (Status.UNKNOWN, 12), (Status.PAUSED, None),
    *((Status.UP, bound) for bound in HISTOGRAM_BOUNDS_MS),
]  # fmt: skip

_NEW = """
INSERT INTO checks (id, monitor_id, status, response_time_ms, checked_at, source)
SELECT gen_random_uuid(), monitor_id, status, response_time_ms, checked_at, 'local'
FROM unnest(CAST(:monitors AS uuid[]), CAST(:statuses AS text[]), CAST(:times AS int[]),
            CAST(:at AS timestamptz[])) AS v(monitor_id, status, response_time_ms, checked_at)
RETURNING monitor_id, status, response_time_ms, checked_at
"""


def _alices_monitor(db: Engine) -> uuid.UUID:
    return insert_monitor(db, insert_user(db, email=ALICE_EMAIL), "https://alice.example")


def _push(monitor_id: uuid.UUID, at: list[datetime]) -> dict[str, list[object]]:
    return {
        "monitors": [monitor_id] * len(RESULTS),
        "statuses": [str(status) for status, _ in RESULTS],
        "times": [ms for _, ms in RESULTS],
        "at": at,
    }


def _stored(db: Engine, table: Table, monitor_id: uuid.UUID) -> dict[datetime, Rollup]:
    figures = [table.c[name] for name in ROLLUP_COLUMNS]
    query = select(table.c.bucket, table.c.histogram, *figures)
    with db.connect() as conn:
        rows = conn.execute(query.where(table.c.monitor_id == monitor_id)).all()
    return {row[0]: Rollup.from_columns(row[2:], row[1]) for row in rows}


def _expected(at: list[datetime], daily: bool) -> dict[datetime, Rollup]:
    points = [(uuid.UUID(int=0), when, s, ms) for when, (s, ms) in zip(at, RESULTS, strict=True)]
    hourly, days = buckets(points)
    return {bucket: rollup for (_, bucket), rollup in (days if daily else hourly).items()}


def test_a_push_adds_its_results_to_the_rollups_as_rollup_add_does(db: Engine) -> None:
    monitor_id = _alices_monitor(db)
    at = [HOUR + timedelta(minutes=5 * n) for n in range(len(RESULTS))]  # two hours, one day
    new = (
        text(_NEW)
        .columns(
            column("monitor_id", Uuid),
            column("status", String),
            column("response_time_ms", Integer),
            column("checked_at", DateTime(timezone=True)),
        )
        .cte("new")
    )
    with db.begin() as conn:
        for statement in (count_with_rollups(new, "local"), count_with_rollups(new, "local")):
            assert conn.execute(statement, _push(monitor_id, at)).scalar_one() == len(RESULTS)
    twice = {bucket: combine([r, r]) for bucket, r in _expected(at, daily=False).items()}
    assert _stored(db, HOURLY, monitor_id) == twice
    assert len(twice) == 2
    [day] = _expected(at, daily=True).values()
    assert _stored(db, DAILY, monitor_id) == {HOUR.replace(hour=0): combine([day, day])}


def test_the_upserts_merge_a_stored_rollup_as_rollup_merge_does(db: Engine) -> None:
    monitor_id = _alices_monitor(db)
    first = [HOUR + timedelta(seconds=n) for n in range(len(RESULTS))]
    later = [HOUR + timedelta(minutes=30, seconds=n) for n in range(len(RESULTS))]
    raw = db.raw_connection()
    try:
        with raw.cursor() as cursor:
            for at in (first, later):
                points = [(monitor_id, w, s, ms) for w, (s, ms) in zip(at, RESULTS, strict=True)]
                hourly, daily = buckets(points)
                cursor.executemany(UPSERT_HOURLY, rollup_rows("cloud", hourly))
                cursor.executemany(UPSERT_DAILY, rollup_rows("cloud", daily))
        raw.commit()
    finally:
        raw.close()
    [once] = _expected(first, daily=False).values()
    merged = combine([once, once])
    assert (merged.up, merged.unknown, merged.rt_min) == (30, 4, 40)  # unknown's time not kept
    assert _stored(db, HOURLY, monitor_id) == {HOUR: merged}
    assert _stored(db, DAILY, monitor_id) == {HOUR.replace(hour=0): merged}
