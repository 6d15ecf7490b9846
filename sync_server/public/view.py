"""What a status page shows, computed from rollups and each monitor's latest checks.

Each monitor has one timeline, whatever checked it: an hour is the cloud's results when
the cloud checked the monitor then, else the desktop's pushed results (the repository's
queries pick them, and a takeover day is made of its hours). The two are never added up:
a desktop keeps checking a monitor the cloud took over. The current state is the cloud's
while its checks are recent, else the desktop's. So a monitor that moves to the cloud
keeps its history, and every figure (uptime, bars, chart, state, badges, JSON) comes from
the same pick.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.uptime import Rollup, merge_histograms, uptime_percent
from sync_server.public.repository import MonitorRow, PageRow, PublicRepository

DAYS = 90
SOURCES = ("cloud", "local")  # which results a moment is shown from, when both checked it
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
    source: str  # what the current state comes from: "cloud" or "local" (the desktop's)
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


def _day_rollup(row: Any) -> tuple[Rollup, dict[int, float]]:
    """The last day's total and its mean response time per hour, from a summed hourly row."""
    counts = (int(row.up), int(row.degraded), int(row.down), int(row.unknown))
    figures = (*counts, sum(row.rt_counts), sum(row.rt_sums), row.rt_min, row.rt_max)
    total = Rollup.from_columns(figures, merge_histograms(row.histograms))
    means = {h: s / c for h, c, s in zip(row.hours, row.rt_counts, row.rt_sums, strict=True) if c}
    return total, means


Counts = tuple[int, int]  # up + degraded, down


def _uptime(counts: Iterable[Counts]) -> float | None:
    """Uptime in percent of summed (ok, down) counts; None when nothing is known."""
    ok = known = 0
    for good, down in counts:
        ok += good
        known += good + down
    return uptime_percent(ok, known)


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


def latest_state(
    monitor: MonitorRow, latest: Mapping[str, Sequence[Any]], now: datetime
) -> tuple[str, str, datetime | None, int | None]:
    """(source, status, last checked, last response ms) from each source's newest checks:
    the cloud's while they are recent, else the desktop's; when neither is recent, the
    source checked last (its state is then "unknown")."""
    states = [(source, *current_status(monitor, latest[source], now))
              for source in SOURCES if latest.get(source)]  # fmt: skip
    for state in states:
        if state[1] != "unknown":
            return state
    if states:
        return max(states, key=lambda state: state[2] or now)
    return ("cloud" if monitor.cloud else "local", *current_status(monitor, [], now))


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
    monitor: MonitorRow, days: dict[int, Counts], dates: list[date], covered: list[float]
) -> list[DayBar]:
    """The monitor's bars, oldest first: dates[n] is day n, covered[n] its seconds so far."""
    bars = []
    for index, day in enumerate(dates):
        counts = days.get(index)
        if counts is None:
            bars.append(DayBar(day, None, 0, 0))
            continue
        ok, down = counts
        known = ok + down
        downtime = min(covered[index], down * monitor.interval, covered[index] * down / known)
        bars.append(DayBar(day, uptime_percent(ok, known), int(downtime), known))
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
        """Return the monitors' incidents of the last 90 days on their timelines."""
        by_id = {m.id: m for m in monitors}
        rows = self.repo.incidents(list(by_id), now - timedelta(days=DAYS), limit)
        return [
            IncidentView(r.id, r.monitor_id, by_id[r.monitor_id].name, r.started_at,
                         r.ended_at, public_cause(r.first_error))
            for r in rows
        ]  # fmt: skip

    def monitors(self, monitors: Sequence[MonitorRow], now: datetime) -> list[MonitorView]:
        """Return the views of these monitors, in the same order."""
        ids = [m.id for m in monitors]
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        first_hour = hour - timedelta(hours=23)
        depth = max((m.confirmations for m in monitors), default=1)
        latest: dict[uuid.UUID, dict[str, list[Any]]] = {m: {} for m in ids}
        for row in self.repo.latest_checks(ids, min(max(depth, 1), 10)):
            latest[row.id].setdefault(row.source, []).append(row)
        first_day = today - timedelta(days=DAYS - 1)
        daily = self.repo.daily_counts(monitors, first_day)
        dates = [(first_day + timedelta(days=n)).date() for n in range(DAYS)]
        covered = [86400.0] * (DAYS - 1) + [max((now - today).total_seconds(), 1.0)]
        month_start = DAYS - 30
        hourly: dict[uuid.UUID, tuple[Rollup, dict[int, float]]] = {}
        for row in self.repo.hourly(ids, first_hour):
            hourly[row.monitor_id] = _day_rollup(row)
        hours = [first_hour + timedelta(hours=h) for h in range(24)]
        views = []
        for monitor in monitors:
            source, status, last, response = latest_state(monitor, latest[monitor.id], now)
            last_day, means = hourly.get(monitor.id, (Rollup(), {}))
            days = daily[monitor.id]
            views.append(
                MonitorView(
                    id=monitor.id,
                    name=monitor.name,
                    status=status,
                    last_checked=last,
                    last_response_ms=response,
                    source=source,
                    uptime={
                        "24h": last_day.uptime,
                        "30d": _uptime(c for n, c in days.items() if n >= month_start),
                        "90d": _uptime(days.values()),
                    },
                    bars=_bars(monitor, days, dates, covered),
                    chart=[(at, means.get(n)) for n, at in enumerate(hours)],
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
