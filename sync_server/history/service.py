"""Uptime and response-time figures for the windows people look at, from rollups only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel

from shared.uptime import ROLLUP_COLUMNS, WINDOWS, Rollup, combine, window_start
from sync_server.history.repository import HistoryRepository
from sync_server.history.tables import RollupFields

SOURCES = ("cloud", "local")


class WindowFigures(BaseModel):
    """One window of one source."""

    uptime: float | None  # percent; None when nothing is known yet
    p95_ms: int | None
    mean_ms: float | None
    checks: int


class IncidentPublic(BaseModel):
    """An outage as one source saw it."""

    id: uuid.UUID
    source: str
    started_at: datetime
    ended_at: datetime | None
    first_error: str | None


class UptimePublic(BaseModel):
    """Figures per source ("cloud", "local") and window ("24h", "7d", "30d", "90d")."""

    windows: dict[str, dict[str, WindowFigures]]
    incidents: list[IncidentPublic]


def _figures(rows: Iterable[RollupFields]) -> WindowFigures:
    total = combine(
        Rollup.from_columns([getattr(row, name) for name in ROLLUP_COLUMNS], row.histogram)
        for row in rows
    )
    mean = round(total.mean_ms, 1) if total.mean_ms is not None else None
    uptime = round(total.uptime, 3) if total.uptime is not None else None
    return WindowFigures(uptime=uptime, p95_ms=total.p95_ms, mean_ms=mean, checks=total.known)


class HistoryService:
    """Reads a monitor's history figures (the caller has checked ownership)."""

    def __init__(self, repo: HistoryRepository) -> None:
        self.repo = repo

    def uptime(self, monitor_id: uuid.UUID, now: datetime | None = None) -> UptimePublic:
        """Uptime, p95 and mean per source for 24h / 7d / 30d / 90d, and recent incidents."""
        now = now or datetime.now(UTC)
        windows: dict[str, dict[str, WindowFigures]] = {source: {} for source in SOURCES}
        for name, span in WINDOWS.items():
            hourly, first = window_start(span, now)
            rows = (
                self.repo.hourly(monitor_id, first)
                if hourly
                else self.repo.daily(monitor_id, first)
            )
            for source in SOURCES:
                windows[source][name] = _figures(r for r in rows if r.source == source)
        incidents = [
            IncidentPublic.model_validate(i, from_attributes=True)
            for i in self.repo.incidents(monitor_id, limit=20)
        ]
        return UptimePublic(windows=windows, incidents=incidents)
