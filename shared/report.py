"""The uptime report: per monitor uptime, p95, incidents and time down over a period.

Rendered from rollups and incidents only (never raw checks), the same way for the weekly
email of the hosted service and for `upwatch report` on the desktop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.messages import format_duration
from shared.uptime import Rollup, combine, format_uptime

SLOWEST = 3


@dataclass(frozen=True, slots=True)
class Outage:
    """An incident, clipped to the report's period."""

    started_at: datetime
    ended_at: datetime | None  # still down
    first_error: str | None = None


@dataclass(slots=True)
class MonitorReport:
    """One monitor's figures for the period."""

    name: str
    rollup: Rollup
    outages: list[Outage] = field(default_factory=list)

    def down_for(self, end: datetime) -> timedelta:
        """Time down within the period (an open incident counts until end)."""
        return sum(((o.ended_at or end) - o.started_at for o in self.outages), timedelta())


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of a period, ready to render."""

    start: datetime
    end: datetime
    monitors: list[MonitorReport]

    @property
    def overall(self) -> Rollup:
        """Every monitor's rollup together."""
        return combine(m.rollup for m in self.monitors)

    @property
    def slowest(self) -> list[MonitorReport]:
        """The monitors with the highest p95, slowest first."""
        timed = [m for m in self.monitors if m.rollup.p95_ms is not None]
        return sorted(timed, key=lambda m: -(m.rollup.p95_ms or 0))[:SLOWEST]


def _count(monitors: int) -> str:
    return f"{monitors} monitor{'s' if monitors != 1 else ''}"


def _ms(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value} ms"


def _period(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"


def render_text(report: Report, title: str = "Upwatch report") -> str:
    """Return the report as plain text (a terminal, or the body of an email)."""
    if not report.monitors:
        return f"{title}\n{_period(report.start, report.end)}\n\nNo monitors yet.\n"
    outages = sum(len(m.outages) for m in report.monitors)
    down = sum((m.down_for(report.end) for m in report.monitors), timedelta())
    lines = [
        title,
        _period(report.start, report.end),
        "",
        f"Uptime {format_uptime(report.overall.uptime)} across {_count(len(report.monitors))};"
        f" {outages} incident{'s' if outages != 1 else ''}"
        + (f", {format_duration(down)} down." if outages else "."),
        "",
    ]
    width = max(len("Monitor"), *(len(m.name) for m in report.monitors))
    lines.append(f"{'Monitor':<{width}}  {'Uptime':>8}  {'p95':>8}  {'Incidents':>9}  Down for")
    ordered = sorted(report.monitors, key=lambda m: (m.rollup.uptime or 101.0, m.name))
    for monitor in ordered:
        rollup = monitor.rollup
        spent = monitor.down_for(report.end)
        lines.append(
            f"{monitor.name:<{width}}  {format_uptime(rollup.uptime):>8}  {_ms(rollup.p95_ms):>8}"
            f"  {len(monitor.outages):>9}  {format_duration(spent) if monitor.outages else '—'}"
        )
    if report.slowest:
        slow = ", ".join(f"{m.name} {_ms(m.rollup.p95_ms)}" for m in report.slowest)
        lines += ["", f"Slowest (p95): {slow}"]
    return "\n".join(lines) + "\n"
