"""What a status page shows, computed from rollups and each monitor's latest checks.

Per monitor the page reads its primary source (the cloud's results for a cloud-checked
monitor, the desktop's pushed results otherwise), and for any hour or day the primary
source knows nothing about, the other one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.uptime import Rollup, combine
from sync_server.public.repository import MonitorRow, PageRow, PublicRepository

DAYS = 90
STALE_AFTER = timedelta(minutes=10)  # or three intervals, whichever is longer
INCIDENTS_SHOWN = 20
LABELS = {
    "up": "Operational",
    "degraded": "Degraded performance",
    "down": "Down",
    "paused": "Paused",
    "unknown": "No recent data",
}
OVERALL = {
    "up": "All systems operational",
    "degraded": "Degraded performance",
    "partial": "Partial outage",
    "major": "Major outage",
    "unknown": "Status unknown",
}


@dataclass(frozen=True, slots=True)
class DayBar:
    """One day of one monitor: uptime %, an estimate of downtime, and a colour level."""

    day: date
    uptime: float | None
    downtime_s: int
    checks: int

    @property
    def level(self) -> str:
        """ "none" (no data), "up", "minor" (some downtime, >= 99 %) or "major"."""
        if self.uptime is None:
            return "none"
        if self.downtime_s == 0 and self.uptime >= 100.0:
            return "up"
        return "minor" if self.uptime >= 99.0 else "major"


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An outage as visitors see it: which monitor, when, how long, and a public cause."""

    id: uuid.UUID
    monitor_id: uuid.UUID
    monitor_name: str
    started_at: datetime
    ended_at: datetime | None
    cause: str

    def duration_s(self, now: datetime) -> int:
        """Seconds from start to end (to now while it lasts)."""
        return int(((self.ended_at or now) - self.started_at).total_seconds())


@dataclass(slots=True)
class MonitorView:
    """One monitor on a public page."""

    id: uuid.UUID
    name: str
    status: str
    last_checked: datetime | None
    last_response_ms: int | None
    source: str
    uptime: dict[str, float | None] = field(default_factory=dict)
    bars: list[DayBar] = field(default_factory=list)
    # (hour, mean response ms) over the last 24 hours, None where nothing answered
    chart: list[tuple[datetime, float | None]] = field(default_factory=list)
    mean_ms_24h: float | None = None
    p95_ms_24h: int | None = None

    @property
    def label(self) -> str:
        """The status in words."""
        return LABELS[self.status]


@dataclass(slots=True)
class PageView:
    """A whole status page."""

    slug: str
    title: str
    description: str
    overall: str
    monitors: list[MonitorView]
    incidents: list[IncidentView]
    generated_at: datetime

    @property
    def overall_label(self) -> str:
        """The banner's words."""
        return OVERALL[self.overall]


_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^expected .*, got (\d{3})$"), r"HTTP \1"),
    (re.compile(r"^timeout"), "timed out"),
    (re.compile(r"^DNS"), "DNS failure"),
    (re.compile(r"^TLS"), "TLS certificate or handshake problem"),
    (re.compile(r"^keyword"), "content check failed"),
    (re.compile(r"^(could not connect|request failed|blocked)"), "could not connect"),
    (re.compile(r"^(invalid response|response body)"), "invalid response"),
    (re.compile(r"^too many redirects"), "too many redirects"),
)


def public_cause(error: str | None) -> str:
    """Return a cause fit for strangers: errors can hold host names, addresses or keywords."""
    for pattern, cause in _CAUSES:
        if error and pattern.match(error):
            return pattern.sub(cause, error) if "\\1" in cause else cause
    return "not responding as expected"


def _rollup(row: Any) -> Rollup:
    return Rollup(row.up, row.degraded, row.down, row.unknown, row.rt_count, row.rt_sum,
                  row.rt_min, row.rt_max, list(row.histogram))  # fmt: skip


def _pick_sources(
    rows: Iterable[Any], primary: dict[uuid.UUID, str]
) -> dict[uuid.UUID, dict[datetime, Rollup]]:
    """Per monitor and bucket, the primary source's rollup, or the other's when the primary
    knows nothing of that bucket."""
    found: dict[tuple[uuid.UUID, datetime], dict[str, Rollup]] = {}
    for row in rows:
        found.setdefault((row.monitor_id, row.bucket), {})[row.source] = _rollup(row)
    picked: dict[uuid.UUID, dict[datetime, Rollup]] = {m: {} for m in primary}
    for (monitor_id, bucket), by_source in found.items():
        first = by_source.get(primary[monitor_id])
        if first is None or first.known == 0:
            first = next((r for r in by_source.values() if r.known), first)
        if first is not None:
            picked[monitor_id][bucket] = first
    return picked


def current_status(
    monitor: MonitorRow, latest: Sequence[Any], now: datetime
) -> tuple[str, datetime | None, int | None]:
    """(status, last checked, last response ms) from the newest checks, newest first.

    A failure counts once the monitor's confirmations agree, as alerts do; a monitor with
    no check for three intervals (ten minutes at least) is "unknown", not "up".
    """
    if not monitor.is_active:
        return "paused", latest[0].checked_at if latest else None, None
    if not latest:
        return "unknown", None, None
    newest = latest[0]
    if now - newest.checked_at > max(STALE_AFTER, timedelta(seconds=3 * monitor.interval)):
        return "unknown", newest.checked_at, None
    status = newest.status
    if status == "down":
        failing = 0
        for check in latest:
            if check.status != "down":
                break
            failing += 1
        if failing < min(monitor.confirmations, len(latest)):
            status = next(c.status for c in latest if c.status != "down")
    if status not in LABELS:
        status = "unknown"
    return status, newest.checked_at, newest.response_time_ms


def overall_status(monitors: Sequence[MonitorView]) -> str:
    """The banner: up, degraded, partial (some down), major (all down) or unknown."""
    watched = [m for m in monitors if m.status != "paused"]
    known = [m for m in watched if m.status != "unknown"]
    if not known:
        return "unknown"
    down = sum(1 for m in known if m.status == "down")
    if down:
        return "major" if down == len(watched) else "partial"
    return "degraded" if any(m.status == "degraded" for m in known) else "up"


def _bars(
    monitor: MonitorRow, days: dict[datetime, Rollup], today: datetime, now: datetime
) -> list[DayBar]:
    bars = []
    for back in range(DAYS - 1, -1, -1):
        start = today - timedelta(days=back)
        rollup = days.get(start)
        if rollup is None or rollup.known == 0:
            bars.append(DayBar(start.date(), None, 0, 0))
            continue
        covered = min(86400.0, (now - start).total_seconds())
        downtime = min(
            covered, rollup.down * monitor.interval, covered * rollup.down / rollup.known
        )
        bars.append(DayBar(start.date(), rollup.uptime, int(downtime), rollup.known))
    return bars


def this_minute() -> datetime:
    """Now, to the minute: a page made twice within a minute is the same page (and ETag)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


class PublicViews:
    """Builds page and monitor views for anonymous visitors."""

    def __init__(self, repo: PublicRepository) -> None:
        self.repo = repo

    def page(self, slug: str, now: datetime | None = None) -> PageView | None:
        """Return the published page's view, or None when there is no such published page."""
        page = self.repo.page(slug)
        if page is None:
            return None
        return self._page(page, self.repo.page_monitors(page.id), now or this_minute())

    def monitor(self, monitor_id: uuid.UUID, now: datetime | None = None) -> MonitorView | None:
        """Return a public monitor's view, or None unless a published page shows it."""
        monitor = self.repo.public_monitor(monitor_id)
        if monitor is None:
            return None
        return self.monitors([monitor], now or this_minute())[0]

    def incidents(
        self, monitors: Sequence[MonitorRow], now: datetime, limit: int = INCIDENTS_SHOWN
    ) -> list[IncidentView]:
        """Return the monitors' incidents of the last 90 days as their primary source saw them."""
        by_id = {m.id: m for m in monitors}
        rows = self.repo.incidents(list(by_id), now - timedelta(days=DAYS), limit * 2)
        views = [
            IncidentView(r.id, r.monitor_id, by_id[r.monitor_id].name, r.started_at,
                         r.ended_at, public_cause(r.first_error))
            for r in rows
            if r.source == ("cloud" if by_id[r.monitor_id].cloud else "local")
        ]  # fmt: skip
        return views[:limit]

    def monitors(self, monitors: Sequence[MonitorRow], now: datetime) -> list[MonitorView]:
        """Return the views of these monitors, in the same order."""
        ids = [m.id for m in monitors]
        primary = {m.id: "cloud" if m.cloud else "local" for m in monitors}
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        first_hour = hour - timedelta(hours=23)
        depth = max((m.confirmations for m in monitors), default=1)
        latest: dict[tuple[uuid.UUID, str], list[Any]] = {}
        for row in self.repo.latest_checks(ids, min(max(depth, 1), 10)):
            latest.setdefault((row.id, row.source), []).append(row)
        daily = _pick_sources(self.repo.daily(ids, today - timedelta(days=DAYS - 1)), primary)
        hourly = _pick_sources(self.repo.hourly(ids, first_hour), primary)
        views = []
        for monitor in monitors:
            source = primary[monitor.id]
            checks = latest.get((monitor.id, source))
            if not checks:
                source = "local" if source == "cloud" else "cloud"
                checks = latest.get((monitor.id, source), [])
            status, last, response = current_status(monitor, checks, now)
            hours = hourly[monitor.id]
            day_rollups = daily[monitor.id]
            last_day = combine(hours.values())
            month = combine(r for d, r in day_rollups.items() if d > today - timedelta(days=30))
            views.append(
                MonitorView(
                    id=monitor.id,
                    name=monitor.name,
                    status=status,
                    last_checked=last,
                    last_response_ms=response,
                    source=primary[monitor.id],
                    uptime={
                        "24h": last_day.uptime,
                        "30d": month.uptime,
                        "90d": combine(day_rollups.values()).uptime,
                    },
                    bars=_bars(monitor, day_rollups, today, now),
                    chart=[
                        (at, hours[at].mean_ms if at in hours else None)
                        for at in (first_hour + timedelta(hours=h) for h in range(24))
                    ],
                    mean_ms_24h=last_day.mean_ms,
                    p95_ms_24h=last_day.p95_ms,
                )
            )
        return views

    def _page(self, page: PageRow, monitors: list[MonitorRow], now: datetime) -> PageView:
        views = self.monitors(monitors, now) if monitors else []
        return PageView(
            slug=page.slug,
            title=page.title,
            description=page.description,
            overall=overall_status(views),
            monitors=views,
            incidents=self.incidents(monitors, now) if monitors else [],
            generated_at=now,
        )
