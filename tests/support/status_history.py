"""History for status pages, put straight into the server's database: results through the
same rollup SQL the server uses, or a long synthetic history made by PostgreSQL itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from shared.status import Status
from sync_server.history.rollups import UPSERT_DAILY, UPSERT_HOURLY, buckets, rollup_rows

Result = tuple[datetime, str, int | None]  # checked_at, status, response ms

_CHECK = (
    "INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms, error,"
    " checked_at, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)


def add_results(
    db: Engine, monitor_id: uuid.UUID, source: str, results: Sequence[Result], error: str = ""
) -> None:
    """Store results (checks plus their hourly and daily rollups) of one monitor."""
    points = [(monitor_id, at, Status(status), ms) for at, status, ms in results]
    hourly, daily = buckets(points)
    raw = db.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.executemany(
                _CHECK,
                [(uuid.uuid4(), monitor_id, status, 200 if status != "down" else 503, ms,
                  error if status == "down" else None, at, source)
                 for at, status, ms in results],
            )  # fmt: skip
            cur.executemany(UPSERT_HOURLY, rollup_rows(source, hourly))
            cur.executemany(UPSERT_DAILY, rollup_rows(source, daily))
        raw.commit()
    finally:
        raw.close()


def add_incident(
    db: Engine,
    monitor_id: uuid.UUID,
    source: str,
    started_at: datetime,
    ended_at: datetime | None,
    first_error: str,
) -> uuid.UUID:
    """Store one incident; return its id."""
    incident_id = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO incidents (id, monitor_id, source, status, started_at, ended_at,"
                 " first_error) VALUES (:id, :m, :s, 'down', :a, :b, :e)"),
            {"id": incident_id, "m": monitor_id, "s": source, "a": started_at, "b": ended_at,
             "e": first_error},
        )  # fmt: skip
    return incident_id


_SYNTHETIC = """
INSERT INTO {table} (monitor_id, source, bucket, up, degraded, down, unknown, rt_count, rt_sum,
                     rt_min, rt_max, histogram)
SELECT m, :source, b, per - d, 0, d, 0, per - d,
       (per - d) * (80 + (abs(hashtext(m::text || b::text)) % 120)), 40, 900,
       ARRAY[0, (per - d) / 2, (per - d) - (per - d) / 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
FROM unnest(CAST(:monitors AS uuid[])) AS m,
     generate_series(CAST(:first AS timestamptz), CAST(:last AS timestamptz),
                     CAST(:step AS interval)) AS b,
     LATERAL (SELECT :per AS per,
              CASE WHEN abs(hashtext(b::text || m::text)) % 100 < 4
                   THEN 1 + abs(hashtext(m::text || b::text)) % :worst ELSE 0 END AS d) AS x
ON CONFLICT DO NOTHING
"""


def synthetic_history(
    db: Engine, monitors: Sequence[uuid.UUID], source: str, now: datetime, days: int
) -> None:
    """Daily and hourly rollups of every monitor for days back from now (one check a minute,
    an outage in about 4 % of the buckets): the volume of a long history, made in SQL."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour = now.replace(minute=0, second=0, microsecond=0)
    with db.begin() as conn:
        conn.execute(
            text(_SYNTHETIC.format(table="rollups_daily")),
            {"monitors": list(monitors), "source": source, "first": today - timedelta(days=days),
             "last": today, "step": "1 day", "per": 1440, "worst": 60},
        )  # fmt: skip
        conn.execute(
            text(_SYNTHETIC.format(table="rollups_hourly")),
            {"monitors": list(monitors), "source": source, "first": hour - timedelta(days=days),
             "last": hour, "step": "1 hour", "per": 60, "worst": 10},
        )  # fmt: skip


def add_page(
    db: Engine,
    user_id: uuid.UUID,
    slug: str,
    title: str,
    monitors: Sequence[uuid.UUID],
    description: str = "",
) -> uuid.UUID:
    """Store a published status page showing monitors in this order; return its id."""
    page_id = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO status_pages (id, user_id, slug, title, description, published,"
                 " created_at, updated_at, seq, deleted, changed_by) VALUES (:id, :user, :slug,"
                 " :title, :description, true, now(), now(), 1, false, 'api')"),
            {"id": page_id, "user": user_id, "slug": slug, "title": title,
             "description": description},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO status_page_monitors (page_id, monitor_id, position)"
                 " VALUES (:page, :monitor, :position)"),
            [{"page": page_id, "monitor": m, "position": n} for n, m in enumerate(monitors)],
        )  # fmt: skip
    return page_id
