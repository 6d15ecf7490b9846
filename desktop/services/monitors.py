"""Monitor use cases: add, edit, pause, remove, and the summaries the views show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.services.chart import DEFAULT_SPAN, ChartData, chart_data
from desktop.services.validation import make_spec
from desktop.storage.database import Database
from desktop.storage.history import HistoryRepository, IncidentView
from desktop.storage.monitors import MonitorRepository, to_spec
from desktop.storage.tables import MonitorRow
from shared.monitor import MonitorSpec
from shared.report import MonitorReport, Outage, Report
from shared.result import CheckResult, from_ms
from shared.status import Status
from shared.uptime import WINDOWS, Rollup
from shared.vantage import where_down


@dataclass(frozen=True, slots=True)
class MonitorSummary:
    """One row of the monitor list."""

    spec: MonitorSpec
    status: Status
    last_checked_at: datetime | None
    last_response_ms: int | None
    last_error: str | None
    uptime_24h: float | None
    uptime_30d: float | None
    cloud_status: Status | None = None  # the newest cloud result (signed in, synced)
    cloud_checked_at: datetime | None = None
    cloud: bool = False  # checked from Upwatch Cloud too (asked for here or elsewhere)

    def where_down(self, now: datetime | None = None) -> str | None:
        """ "down from here only", "down from the cloud only", "down everywhere" or None."""
        return where_down(
            self.status,
            self.cloud_status,
            self.cloud_checked_at,
            self.spec.interval,
            now or datetime.now(UTC),
        )


def _summary(row: MonitorRow, up24: float | None, up30: float | None) -> MonitorSummary:
    checked = (
        datetime.fromtimestamp(row.last_checked_at / 1000, UTC) if row.last_checked_at else None
    )
    return MonitorSummary(
        spec=to_spec(row),
        status=Status(row.status),
        last_checked_at=checked,
        last_response_ms=row.last_response_ms,
        last_error=row.last_error,
        uptime_24h=up24,
        uptime_30d=up30,
        cloud_status=Status(row.cloud_status) if row.cloud_status else None,
        cloud_checked_at=from_ms(row.cloud_checked_at) if row.cloud_checked_at else None,
        cloud=row.cloud,
    )


@dataclass(frozen=True, slots=True)
class MonitorDetail:
    """Everything the detail pane shows about one monitor."""

    spec: MonitorSpec
    checks: list[CheckResult]  # newest first
    days: list[tuple[datetime, Rollup]]  # oldest first, days with data only
    incidents: list[IncidentView]  # newest first
    windows: dict[str, Rollup]  # "24h", "7d", "30d", "90d"
    chart: ChartData
    where_down: str | None = None  # compared with the cloud's newest result


class MonitorService:
    """Changes monitors in one unit of work each and reads their summaries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, spec: MonitorSpec) -> MonitorSpec:
        """Store a new monitor, linked to the default channels; return it."""
        with self.db.session() as session:
            return to_spec(MonitorRepository(session).add(spec))

    def get(self, ref: str) -> MonitorSpec:
        """Return the monitor named by ref; raise NotFound."""
        with self.db.reader() as session:
            return to_spec(MonitorRepository(session).find(ref))

    def edit(self, ref: str, changes: dict[str, Any]) -> MonitorSpec:
        """Apply changes to a monitor; raise InvalidInput (nothing saved) or NotFound."""
        with self.db.session() as session:
            repo = MonitorRepository(session)
            current = to_spec(repo.find(ref))
            data = current.model_dump()
            data.update(changes)
            data["id"], data["created_at"] = current.id, current.created_at
            data["updated_at"] = datetime.now(UTC)
            spec = make_spec(data)
            return to_spec(repo.save(spec))

    def set_cloud(self, ref: str, cloud: bool) -> MonitorSpec:
        """Ask (True) or stop asking Upwatch Cloud to check a monitor 24/7 too; the next sync
        sends it, and a plan that does not allow it refuses it there. Raise NotFound."""
        with self.db.session() as session:
            repo = MonitorRepository(session)
            return to_spec(repo.set_cloud(repo.find(ref), cloud))

    def set_active(self, ref: str, active: bool) -> MonitorSpec:
        """Pause (False) or resume (True) a monitor."""
        return self.edit(ref, {"is_active": active})

    def remove(self, ref: str) -> MonitorSpec:
        """Delete a monitor and its history; return what was deleted."""
        with self.db.session() as session:
            repo = MonitorRepository(session)
            row = repo.find(ref)
            spec = to_spec(row)
            repo.delete(row)
            return spec

    def summaries(self, now: datetime | None = None) -> list[MonitorSummary]:
        """Return every monitor with its state and 24 h / 30 d uptime (from rollups)."""
        now = now or datetime.now(UTC)
        with self.db.reader() as session:
            rows = MonitorRepository(session).list_all()
            history = HistoryRepository(session)
            day = history.uptime_by_monitor(timedelta(hours=24), now)
            month = history.uptime_by_monitor(timedelta(days=30), now)
        summaries = []
        for row in rows:
            assert row.pk is not None
            up24 = day[row.pk].uptime if row.pk in day else None
            up30 = month[row.pk].uptime if row.pk in month else None
            summaries.append(_summary(row, up24, up30))
        return summaries

    def history(
        self, ref: str, *, limit: int = 50
    ) -> tuple[MonitorSpec, list[CheckResult], list[IncidentView]]:
        """Return a monitor, its newest checks and its newest incidents."""
        with self.db.reader() as session:
            row = MonitorRepository(session).find(ref)
            assert row.pk is not None
            history = HistoryRepository(session)
            checks = history.recent_checks(row.pk, uuid.UUID(row.id), limit=limit)
            return to_spec(row), checks, history.incidents(row.pk)

    def report(self, since: timedelta, now: datetime | None = None) -> Report:
        """Return every monitor's uptime, p95 and incidents over the last `since`."""
        end = now or datetime.now(UTC)
        start = end - since
        with self.db.reader() as session:
            rows = MonitorRepository(session).list_all()
            history = HistoryRepository(session)
            rollups = history.uptime_by_monitor(since, end)
            outages = history.incidents_between(start, end)
        monitors = []
        for row in rows:
            assert row.pk is not None
            clipped = [
                Outage(max(i.started_at, start), i.ended_at, i.first_error)
                for i in outages.get(row.pk, [])
            ]
            monitors.append(MonitorReport(row.name, rollups.get(row.pk, Rollup()), clipped))
        return Report(start, end, monitors)

    def detail(
        self, monitor_id: uuid.UUID, *, checks: int = 200, chart_span: str = DEFAULT_SPAN
    ) -> MonitorDetail:
        """Return a monitor's recent checks, 90 daily rollups, incidents, uptime windows and
        its chart over chart_span."""
        now = datetime.now(UTC)
        with self.db.reader() as session:
            row = MonitorRepository(session).find(str(monitor_id))
            pk = row.pk
            assert pk is not None
            history = HistoryRepository(session)
            windows = {
                name: history.uptime_by_monitor(span, now, monitor_pk=pk).get(pk, Rollup())
                for name, span in WINDOWS.items()
            }
            summary = _summary(row, None, None)
            return MonitorDetail(
                where_down=summary.where_down(now),
                spec=to_spec(row),
                checks=history.recent_checks(pk, monitor_id, limit=checks),
                days=history.daily_rollups(pk, 90, now),
                incidents=history.incidents(pk),
                windows=windows,
                chart=chart_data(
                    history,
                    pk,
                    monitor_id,
                    span=chart_span,
                    now=now,
                    degraded_after_ms=row.degraded_after_ms,
                ),
            )
