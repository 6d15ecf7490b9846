"""The public JSON shapes: what anybody may read about a published page's monitors."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from sync_server.public.view import IncidentView, MonitorView, PageView


class DayPublic(BaseModel):
    """One day of one monitor."""

    date: date
    uptime: float | None
    downtime_s: int
    checks: int


class MonitorStatusPublic(BaseModel):
    """A monitor as a public page shows it (never its URL, headers or errors verbatim)."""

    id: uuid.UUID
    name: str
    status: str  # up, degraded, down, paused, unknown
    label: str
    last_checked: datetime | None
    last_response_ms: int | None
    source: str  # cloud or local (the desktop's pushed results)
    uptime: dict[str, float | None]  # 24h, 30d, 90d
    mean_ms_24h: float | None
    p95_ms_24h: int | None
    days: list[DayPublic]


class IncidentOut(BaseModel):
    """An outage of one monitor."""

    id: uuid.UUID
    monitor_id: uuid.UUID
    monitor_name: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: int
    cause: str


class StatusPageOut(BaseModel):
    """A whole published status page."""

    slug: str
    title: str
    description: str
    status: str  # up, degraded, partial, major, unknown
    label: str
    generated_at: datetime
    monitors: list[MonitorStatusPublic]
    incidents: list[IncidentOut]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def monitor_out(view: MonitorView) -> MonitorStatusPublic:
    """The public JSON of one monitor."""
    return MonitorStatusPublic(
        id=view.id,
        name=view.name,
        status=view.status,
        label=view.label,
        last_checked=view.last_checked,
        last_response_ms=view.last_response_ms,
        source=view.source,
        uptime={k: _round(v) for k, v in view.uptime.items()},
        mean_ms_24h=None if view.mean_ms_24h is None else round(view.mean_ms_24h, 1),
        p95_ms_24h=view.p95_ms_24h,
        days=[
            DayPublic(date=b.day, uptime=_round(b.uptime), downtime_s=b.downtime_s, checks=b.checks)
            for b in view.bars
        ],
    )


def incident_out(view: IncidentView, now: datetime) -> IncidentOut:
    """The public JSON of one incident."""
    return IncidentOut(
        id=view.id,
        monitor_id=view.monitor_id,
        monitor_name=view.monitor_name,
        started_at=view.started_at,
        ended_at=view.ended_at,
        duration_s=view.duration_s(now),
        cause=view.cause,
    )


def page_out(view: PageView) -> StatusPageOut:
    """The public JSON of a page."""
    return StatusPageOut(
        slug=view.slug,
        title=view.title,
        description=view.description,
        status=view.overall,
        label=view.overall_label,
        generated_at=view.generated_at,
        monitors=[monitor_out(m) for m in view.monitors],
        incidents=[incident_out(i, view.generated_at) for i in view.incidents],
    )
