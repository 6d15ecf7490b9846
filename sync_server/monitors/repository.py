"""MonitorRepository: monitors and checks of one owner. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, String, TextClause, func, literal_column, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from sync_server.changes import next_seq
from sync_server.jsonsql import json_array
from sync_server.monitors.schemas import MonitorPublic
from sync_server.monitors.tables import Monitor
from sync_server.sync.hub import CHANNEL

CHECK_COLUMNS = ("id", "status", "status_code", "response_time_ms", "error", "checked_at", "source")
PUBLIC_COLUMNS = (*MonitorPublic.model_fields,)

# Built once from our own column names (never user input).
_MONITORS = json_array(PUBLIC_COLUMNS, "created_at, id", times=("created_at", "updated_at"))
_MONITORS_JSON = text(
    f"SELECT {_MONITORS} FROM monitors WHERE user_id = :user AND NOT deleted"  # noqa: S608
)


def _checks_query(before: bool, since: bool) -> TextClause:
    bounds = ("AND checked_at < :before " if before else "") + (
        "AND checked_at >= :since " if since else ""
    )
    array = json_array(CHECK_COLUMNS, "checked_at DESC", times=("checked_at",))
    columns = ", ".join(CHECK_COLUMNS)
    # the owner check rides along: one round trip, no ORM object (bench/api.py)
    owned = (
        "EXISTS (SELECT 1 FROM monitors WHERE id = :monitor AND user_id = :user AND NOT deleted)"
    )
    return text(
        f"SELECT {owned}, {array}, count(*), min(checked_at) FROM (SELECT {columns}"  # noqa: S608
        f" FROM checks WHERE monitor_id = :monitor AND {owned} {bounds}"
        "ORDER BY checked_at DESC LIMIT :limit) AS page"
    )


_COUNTS = text(
    "SELECT count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE NOT deleted AND cloud)"
    " FROM monitors WHERE user_id = :user"
)
_MONITORS_TABLE = Monitor.__table__  # type: ignore[attr-defined]
# The owner's live monitors, and the cloud-checked ones among them, counted in RETURNING:
# `monitors` there is the inserted row, and the insert's snapshot, which its own row is not
# part of, gives the counts before it.
_OWNER_COUNTS: tuple[ColumnClause[Any], ColumnClause[Any]] = (
    literal_column(
        "(SELECT count(*) FROM monitors AS owned WHERE owned.user_id = monitors.user_id"
        " AND NOT owned.deleted)"
    ),
    literal_column(
        "(SELECT count(*) FROM monitors AS owned WHERE owned.user_id = monitors.user_id"
        " AND NOT owned.deleted AND owned.cloud)"
    ),
)


# RETURNING announces the change too (once per inserted row, so not on a conflict): the
# NOTIFY rides in the insert's own round trip, and so do the owner's counts before it, which
# the plan limits are checked against (a refusal rolls the insert and the NOTIFY back)
_INSERT_NEW = (
    insert(_MONITORS_TABLE)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(
        _MONITORS_TABLE.c.id,
        func.pg_notify(CHANNEL, func.cast(_MONITORS_TABLE.c.user_id, String)),
        *_OWNER_COUNTS,
    )
)
_LOCK_OWNER = text("SELECT 1 FROM users WHERE id = :user FOR NO KEY UPDATE")

_CHECKS_JSON = {(b, s): _checks_query(b, s) for b in (False, True) for s in (False, True)}


def owned_live_ids(
    session: Session, user_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Return which of ids are the owner's monitors and not deleted (one query)."""
    if not ids:
        return set()
    query = select(Monitor.id).where(
        Monitor.user_id == user_id, col(Monitor.deleted).is_(False), col(Monitor.id).in_(ids)
    )
    return set(session.exec(query).all())


class MonitorRepository:
    """Every query is scoped to an owner: another user's rows are simply not found."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def public_json(self, user_id: uuid.UUID) -> str:
        """Return the owner's monitors (not deleted), oldest first, as the JSON array of
        list[MonitorPublic], made by PostgreSQL (jsonsql.py: a list is read, never changed)."""
        return str(self.session.execute(_MONITORS_JSON, {"user": user_id}).scalar_one())

    def get_for_owner(self, user_id: uuid.UUID, monitor_id: uuid.UUID) -> Monitor | None:
        """Return the owner's monitor, or None (also for someone else's)."""
        monitor = self.session.get(Monitor, monitor_id)
        if monitor is None or monitor.user_id != user_id or monitor.deleted:
            return None
        return monitor

    def counts_for_owner(self, user_id: uuid.UUID) -> tuple[int, int]:
        """Return how many live monitors the owner has, and how many of them the cloud checks."""
        row = self.session.execute(_COUNTS, {"user": user_id}).one()
        return int(row[0]), int(row[1])

    def insert_new(self, fields: dict[str, Any]) -> tuple[int, int] | None:
        """Insert a monitor unless its id is taken (by anyone, deleted ones too) and announce
        it to the owner's devices (sync/hub.py); return None if it was not inserted, else how
        many live monitors the owner had before it and how many of them the cloud checks.

        The counts hold only under the owner's lock (lock_owner or next_seq, taken by an
        earlier statement, so this one's snapshot sees every insert that went before)."""
        row = self.session.execute(_INSERT_NEW, fields).first()
        return None if row is None else (int(row[2]), int(row[3]))

    def lock_owner(self, user_id: uuid.UUID) -> None:
        """Serialize plan-limit checks and change numbers of one owner until the transaction
        ends: the same row lock next_seq takes, so either may come first."""
        self.session.execute(_LOCK_OWNER, {"user": user_id})

    def next_seq(self, user_id: uuid.UUID) -> int:
        """Return the account's next change number (shared by every synced entity)."""
        return next_seq(self.session, user_id)

    def save(self, monitor: Monitor) -> Monitor:
        """Insert or update a monitor."""
        self.session.add(monitor)
        self.session.flush()
        return monitor

    def checks_json(
        self,
        owner: uuid.UUID,
        monitor_id: uuid.UUID,
        *,
        limit: int,
        before: datetime | None,
        since: datetime | None,
    ) -> tuple[bool, str, int, datetime | None]:
        """Return whether the monitor is the owner's, and if so up to limit of its checks,
        newest first, older than before and not older than since, as a JSON array made by
        PostgreSQL, with how many and the oldest one's time."""
        query = _CHECKS_JSON[(before is not None, since is not None)]
        params = {"monitor": monitor_id, "user": owner, "limit": limit, "before": before,
                  "since": since}  # fmt: skip
        owned, items, count, oldest = self.session.execute(query, params).one()
        return bool(owned), str(items), int(count), oldest
