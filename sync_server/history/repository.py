"""HistoryRepository: rollups and incidents of one monitor (ownership is checked before)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from sync_server.history.tables import DailyRollup, HourlyRollup, Incident


class HistoryRepository:
    """Reads within the request's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hourly(self, monitor_id: uuid.UUID, since: datetime) -> Sequence[HourlyRollup]:
        """Hourly rollups of every source from the hour starting at since."""
        query = select(HourlyRollup).where(
            HourlyRollup.monitor_id == monitor_id, col(HourlyRollup.bucket) >= since
        )
        return self.session.exec(query).all()

    def daily(self, monitor_id: uuid.UUID, since: datetime) -> Sequence[DailyRollup]:
        """Daily rollups of every source from the day starting at since."""
        query = select(DailyRollup).where(
            DailyRollup.monitor_id == monitor_id, col(DailyRollup.bucket) >= since
        )
        return self.session.exec(query).all()

    def incidents(self, monitor_id: uuid.UUID, limit: int) -> Sequence[Incident]:
        """The newest incidents, newest first."""
        query = (
            select(Incident)
            .where(Incident.monitor_id == monitor_id)
            .order_by(col(Incident.started_at).desc())
            .limit(limit)
        )
        return self.session.exec(query).all()
