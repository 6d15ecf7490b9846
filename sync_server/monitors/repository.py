"""MonitorRepository: monitors and checks of one owner. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, text
from sqlmodel import Session, col, select

from sync_server.changes import next_seq
from sync_server.monitors.tables import Check, Monitor

CHECK_COLUMNS = ("id", "status", "status_code", "response_time_ms", "error", "checked_at", "source")


class MonitorRepository:
    """Every query is scoped to an owner: another user's rows are simply not found."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def public_rows(self, user_id: uuid.UUID, columns: Sequence[str]) -> list[dict[str, Any]]:
        """Return columns of the owner's monitors (not deleted), oldest first, as plain dicts.

        No ORM objects: a list is read, never changed, and building 100 of them was a quarter
        of the request (bench/api.py).
        """
        table = Monitor.__table__  # type: ignore[attr-defined]
        query = (
            select(*[table.c[name] for name in columns])
            .where(table.c.user_id == user_id, table.c.deleted.is_(False))
            .order_by(table.c.created_at, table.c.id)
        )
        return [dict(zip(columns, row, strict=True)) for row in self.session.exec(query).all()]

    def get_for_owner(self, user_id: uuid.UUID, monitor_id: uuid.UUID) -> Monitor | None:
        """Return the owner's monitor, or None (also for someone else's)."""
        monitor = self.session.get(Monitor, monitor_id)
        if monitor is None or monitor.user_id != user_id or monitor.deleted:
            return None
        return monitor

    def exists(self, monitor_id: uuid.UUID) -> bool:
        """True when any account has a monitor with this id (deleted ones too)."""
        return self.session.get(Monitor, monitor_id) is not None

    def count_for_owner(self, user_id: uuid.UUID) -> int:
        """Return how many live monitors the owner has."""
        query = select(func.count()).where(
            Monitor.user_id == user_id, col(Monitor.deleted).is_(False)
        )
        return int(self.session.exec(query).one())

    def count_cloud_for_owner(self, user_id: uuid.UUID) -> int:
        """Return how many live monitors of the owner are checked from the cloud."""
        query = select(func.count()).where(
            Monitor.user_id == user_id, col(Monitor.deleted).is_(False), col(Monitor.cloud)
        )
        return int(self.session.exec(query).one())

    def lock_owner(self, user_id: uuid.UUID) -> None:
        """Serialize plan-limit checks of one owner until the transaction ends (D7)."""
        self.session.exec(  # type: ignore[call-overload]
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), params={"key": str(user_id)}
        )

    def next_seq(self, user_id: uuid.UUID) -> int:
        """Return the account's next change number (shared by every synced entity)."""
        return next_seq(self.session, user_id)

    def save(self, monitor: Monitor) -> Monitor:
        """Insert or update a monitor."""
        self.session.add(monitor)
        self.session.flush()
        return monitor

    def checks_page(
        self,
        monitor_id: uuid.UUID,
        *,
        limit: int,
        before: datetime | None,
        since: datetime | None,
    ) -> Sequence[Row[Any]]:
        """Return up to limit checks, newest first, older than before and not older than since.

        Plain rows, not ORM objects: a page is read, never changed, and building 100 objects
        cost a quarter of the request (bench/api.py).
        """
        columns = [getattr(Check, name) for name in CHECK_COLUMNS]
        query = select(*columns).where(Check.monitor_id == monitor_id)
        if before is not None:
            query = query.where(col(Check.checked_at) < before)
        if since is not None:
            query = query.where(col(Check.checked_at) >= since)
        query = query.order_by(col(Check.checked_at).desc()).limit(limit)
        rows: Sequence[Row[Any]] = self.session.exec(query).all()
        return rows
