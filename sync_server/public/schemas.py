"""The public JSON shapes: what anybody may read about a published page's monitors."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

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
    source: str  # what the current state comes from: cloud, or local (a desktop's results)
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


# The JSON is built from plain dicts (a page of 50 monitors holds 4,500 days: pydantic
# objects for each cost more than the rest of the request); tests check it against the models.


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def monitor_dict(view: MonitorView) -> dict[str, Any]:
    """One monitor as MonitorStatusPublic, in plain JSON types."""
    return {
        "id": str(view.id),
        "name": view.name,
        "status": view.status,
        "label": view.label,
        "last_checked": _time(view.last_checked),
        "last_response_ms": view.last_response_ms,
        "source": view.source,
        "uptime": {k: _round(v) for k, v in view.uptime.items()},
        "mean_ms_24h": None if view.mean_ms_24h is None else round(view.mean_ms_24h, 1),
        "p95_ms_24h": view.p95_ms_24h,
        "days": [
            {
                "date": b.day.isoformat(),
                "uptime": _round(b.uptime),
                "downtime_s": b.downtime_s,
                "checks": b.checks,
            }
            for b in view.bars
        ],
    }


def incident_dict(view: IncidentView, now: datetime) -> dict[str, Any]:
    """One incident as IncidentOut, in plain JSON types."""
    return {
        "id": str(view.id),
        "monitor_id": str(view.monitor_id),
        "monitor_name": view.monitor_name,
        "started_at": _time(view.started_at),
        "ended_at": _time(view.ended_at),
        "duration_s": view.duration_s(now),
        "cause": view.cause,
    }


def monitor_json(view: MonitorView) -> str:
    """The public JSON of one monitor (MonitorStatusPublic)."""
    return json.dumps(monitor_dict(view), separators=(",", ":"))


def page_json(view: PageView) -> str:
    """The public JSON of a page (StatusPageOut)."""
    body = {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "status": view.overall,
        "label": view.overall_label,
        "generated_at": _time(view.generated_at),
        "monitors": [monitor_dict(m) for m in view.monitors],
        "incidents": [incident_dict(i, view.generated_at) for i in view.incidents],
    }
    return json.dumps(body, separators=(",", ":"))
