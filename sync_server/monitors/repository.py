"""MonitorRepository: monitors and checks of one owner. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    String,
    Table,
    Uuid,
    bindparam,
    cast,
    func,
    not_,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from sync_server.changes import next_seq
from sync_server.monitors.tables import Monitor
from sync_server.sync.hub import CHANNEL

_MONITORS_TABLE: Table = Monitor.__table__  # type: ignore[attr-defined]
_LIVE = not_(_MONITORS_TABLE.c.deleted)
_OWNED = _MONITORS_TABLE.alias("owned")
_COUNTS = select(
    func.count().filter(_LIVE), func.count().filter(_LIVE, _MONITORS_TABLE.c.cloud)
).where(_MONITORS_TABLE.c.user_id == bindparam("user", type_=Uuid))


def _owned_before_insert(*where: ColumnElement[bool]) -> ScalarSelect[int]:
    """Return the count, for RETURNING, of the owner's live monitors (and where) before the
    insert: the insert's snapshot, which its own row is not part of."""
    return (
        select(func.count())
        .select_from(_OWNED)
        .where(_OWNED.c.user_id == bindparam("owner", type_=Uuid), not_(_OWNED.c.deleted), *where)
        .scalar_subquery()
    )


def _announced_in_returning() -> ColumnElement[Any]:
    """Return the RETURNING column that announces the inserted monitor to its owner's devices.

    pg_notify of the inserted row's owner (sync/hub.py's channel), queued by PostgreSQL and
    sent on commit like announce()'s own statement. In RETURNING it costs no round trip of
    its own on the hottest write (bench/api.py), and it runs once per inserted row, so a
    conflict that inserts nothing announces nothing; a refusal rolls it back with the insert."""
    return func.pg_notify(CHANNEL, cast(_MONITORS_TABLE.c.user_id, String))


# the owner's counts before the insert come back in its RETURNING too: the plan limits are
# checked against them afterwards, one round trip less
_INSERT_NEW = (
    insert(_MONITORS_TABLE)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(
        _MONITORS_TABLE.c.id,
        _announced_in_returning(),
        _owned_before_insert(),
        _owned_before_insert(_OWNED.c.cloud),
    )
)
_LOCK_OWNER = text("SELECT 1 FROM users WHERE id = :user FOR NO KEY UPDATE")


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
        params = {**fields, "owner": fields["user_id"]}
        row = self.session.execute(_INSERT_NEW, params).first()
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
