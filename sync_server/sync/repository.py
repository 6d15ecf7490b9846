"""SyncRepository: the queries behind push and pull. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    text,
    tuple_,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from sync_server.history.rollups import count_with_rollups
from sync_server.monitors.repository import owned_live_ids
from sync_server.monitors.tables import Check, Monitor
from sync_server.sync.tables import Device

# One statement: insert the new results (a result pushed before is skipped), add exactly
# those to the rollups, and count them. device: the device that pushed (and checked) them.
_NEW = (
    text("""
    INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms, error,
                        checked_at, source, device_id)
    SELECT id, monitor_id, status, status_code, response_time_ms, error, checked_at, 'local',
           CAST(:device AS text)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:monitors AS uuid[]), CAST(:statuses AS text[]),
                CAST(:codes AS int[]), CAST(:times AS int[]), CAST(:errors AS text[]),
                CAST(:at AS timestamptz[]))
         AS v(id, monitor_id, status, status_code, response_time_ms, error, checked_at)
    ON CONFLICT DO NOTHING
    RETURNING monitor_id, status, response_time_ms, checked_at
    """)
    .columns(
        column("monitor_id", Uuid),
        column("status", String),
        column("response_time_ms", Integer),
        column("checked_at", DateTime(timezone=True)),
    )
    .cte("new")
)
INSERT_LOCAL_RESULTS = count_with_rollups(_NEW, "local")

# A device's name, written only when it changed (most pushes send the same one).
UPSERT_DEVICE = text("""
INSERT INTO devices (user_id, device_id, name, updated_at)
VALUES (:user, :device, :name, now())
ON CONFLICT (user_id, device_id) DO UPDATE SET name = excluded.name, updated_at = now()
WHERE devices.name IS DISTINCT FROM excluded.name
""")


# Results after the cursor (xact, id), below the oldest transaction still running:
# everything under that horizon has committed (or never will), so nothing is skipped.
# Columns by position: id, monitor, status, code, time, error, checked_at, xact, horizon,
# device id, device name (sync/read_model.py results_out reads them so).
def _pull_results(*, shared: bool) -> Select[Any]:
    checks, owned, devices = Check.__table__, Monitor.__table__, Device.__table__  # type: ignore[attr-defined]
    snapshot_xmin = func.pg_snapshot_xmin(func.pg_current_snapshot())
    horizon = core_select(cast(cast(snapshot_xmin, Text), BigInteger).label("horizon")).subquery(
        "h"
    )
    if shared:
        # a device's own results never come back to it; local results stored before
        # devices were recorded (device_id NULL) are nobody's to hand out. The first
        # condition is the predicate of the index checks_shared_xact, written as it is there
        # so the planner reads each monitor along its xact range.
        which = and_(
            or_(checks.c.source == literal_column("'cloud'"), checks.c.device_id.is_not(None)),
            checks.c.device_id.is_distinct_from(bindparam("device")),
        )
    else:
        which = checks.c.source == literal_column("'cloud'")
    return (
        core_select(
            checks.c.id,
            checks.c.monitor_id,
            checks.c.status,
            checks.c.status_code,
            checks.c.response_time_ms,
            checks.c.error,
            checks.c.checked_at,
            checks.c.xact,
            horizon.c.horizon,
            checks.c.device_id,
            devices.c.name,
        )
        .select_from(horizon)
        .join(owned, owned.c.user_id == bindparam("user"))
        .join(checks, checks.c.monitor_id == owned.c.id)
        .outerjoin(
            devices,
            and_(devices.c.user_id == owned.c.user_id, devices.c.device_id == checks.c.device_id),
        )
        .where(
            which,
            checks.c.xact < horizon.c.horizon,
            tuple_(checks.c.xact, checks.c.id)
            > tuple_(bindparam("xact"), cast(bindparam("after_id"), Uuid)),
            checks.c.checked_at >= bindparam("not_before"),
        )
        .order_by(checks.c.xact, checks.c.id)
        .limit(bindparam("limit"))
    )


PULL_CLOUD_RESULTS = _pull_results(shared=False)
PULL_SHARED_RESULTS = _pull_results(shared=True)
# A desktop's incidents of the account's live monitors: new ones stored, ended ones updated.
# An incident is keyed by its monitor and id, so an id another monitor (anyone's) uses is
# simply another incident: nothing of theirs changes, and the answer does not tell it exists.
UPSERT_LOCAL_INCIDENTS = text("""
INSERT INTO incidents (id, monitor_id, source, status, started_at, ended_at, first_error)
SELECT v.id, v.monitor_id, 'local', 'down', v.started_at, v.ended_at, v.first_error
FROM unnest(CAST(:ids AS uuid[]), CAST(:monitors AS uuid[]), CAST(:started AS timestamptz[]),
            CAST(:ended AS timestamptz[]), CAST(:errors AS text[]))
     AS v(id, monitor_id, started_at, ended_at, first_error)
JOIN monitors AS m ON m.id = v.monitor_id AND m.user_id = :user AND NOT m.deleted
ON CONFLICT (monitor_id, id) DO UPDATE
SET ended_at = excluded.ended_at, first_error = excluded.first_error
WHERE incidents.source = 'local'
  AND (incidents.ended_at IS DISTINCT FROM excluded.ended_at
       OR incidents.first_error IS DISTINCT FROM excluded.first_error)
RETURNING id
""")
HORIZON = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


class SyncRepository:
    """Reads and writes one account's synced rows within the request's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def monitors_for_update(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Monitor]:
        """Return the monitors with these ids, whoever owns them, locked until commit."""
        if not ids:
            return {}
        query = select(Monitor).where(col(Monitor.id).in_(list(ids))).with_for_update()
        return {row.id: row for row in self.session.exec(query)}

    def live_monitor_ids(self, user_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Return which of ids are the user's monitors and not deleted."""
        return owned_live_ids(self.session, user_id, ids)

    def insert_local_results(self, device_id: str, rows: dict[str, list[Any]]) -> int:
        """Insert a device's results (unnest arrays) and add the new ones to the rollups;
        return how many were new."""
        params = {**rows, "device": device_id}
        return int(self.session.execute(INSERT_LOCAL_RESULTS, params).scalar_one())

    def name_device(self, user_id: uuid.UUID, device_id: str, name: str) -> None:
        """Record what the user's device calls itself."""
        params = {"user": user_id, "device": device_id, "name": name}
        self.session.execute(UPSERT_DEVICE, params)

    def upsert_local_incidents(self, user_id: uuid.UUID, rows: dict[str, list[Any]]) -> int:
        """Store a desktop's incidents (unnest arrays) of the user's live monitors; return how
        many were new or changed."""
        return len(self.session.execute(UPSERT_LOCAL_INCIDENTS, {**rows, "user": user_id}).all())

    def changes_after(self, user_id: uuid.UUID, cursor: int, limit: int) -> Sequence[Monitor]:
        """Return the user's monitors changed after seq cursor, oldest change first."""
        query = (
            select(Monitor)
            .where(Monitor.user_id == user_id, col(Monitor.seq) > cursor)
            .order_by(col(Monitor.seq))
            .limit(limit)
        )
        return self.session.exec(query).all()

    def results_after(
        self,
        user_id: uuid.UUID,
        *,
        xact: int,
        after_id: uuid.UUID,
        not_before: datetime,
        limit: int,
        device_id: str | None = None,
    ) -> Sequence[Any]:
        """Return up to limit results after (xact, after_id), each with the horizon and the
        device that checked it (id, name; None for the cloud): the cloud's, and with
        device_id also the other devices' local results (never that device's own)."""
        params = {
            "user": user_id,
            "xact": xact,
            "after_id": after_id,
            "not_before": not_before,
            "limit": limit,
            "device": device_id,
        }
        query = PULL_CLOUD_RESULTS if device_id is None else PULL_SHARED_RESULTS
        return self.session.execute(query, params).all()

    def horizon(self) -> int:
        """Return the id of the oldest transaction still running (or the next one)."""
        return int(self.session.execute(HORIZON).scalar_one())
