"""The words of an alert: a flip of a monitor becomes a title and a body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from shared.monitor import MonitorSpec
from shared.state import Flip
from shared.status import Status


@dataclass(frozen=True, slots=True)
class Message:
    """An alert ready to send."""

    event: str  # down, degraded, up, reminder, test
    title: str
    body: str


def format_duration(span: timedelta) -> str:
    """Return a duration for people: "45 s", "4 min 12 s", "2 h 5 min", "3 d 4 h"."""
    seconds = max(0, int(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def format_moment(moment: datetime, zone: tzinfo | None = None) -> str:
    """Return a moment for people in zone (UTC when None), with the zone's name:
    "2026-11-26 13:29:00 CET", "2026-11-26 12:29:00 UTC"."""
    local = moment.astimezone(zone or UTC)
    name = local.tzname() or local.strftime("UTC%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {'UTC' if name in ('UTC', 'UTC+00:00') else name}"


def flip_message(spec: MonitorSpec, flip: Flip, zone: tzinfo | None = None) -> Message:
    """Return the alert for a flip of spec's monitor, its times in zone (UTC when None: the
    cloud does not know where its reader is; the desktop passes its own local zone)."""
    when = format_moment(flip.at, zone)
    lines = [spec.url]
    if flip.reminder:
        event, title = "reminder", f"{spec.name} is still down"
        if flip.down_for is not None:
            lines.append(f"Down for {format_duration(flip.down_for)}")
        lines.append(f"Error: {flip.error or 'unknown'}")
    elif flip.current == Status.DOWN:
        event, title = "down", f"{spec.name} is down"
        lines.append(f"Error: {flip.error or 'unknown'}")
        if flip.incident_started_at is not None:
            lines.append(f"Since {format_moment(flip.incident_started_at, zone)}")
    elif flip.current == Status.DEGRADED:
        event, title = "degraded", f"{spec.name} is degraded"
        lines.append(flip.error or "slower than expected")
        if flip.previous == Status.DOWN and flip.down_for is not None:
            lines.append(f"It answers again after {format_duration(flip.down_for)} down")
        lines.append(f"At {when}")
    else:
        event, title = "up", f"{spec.name} is up again"
        if flip.down_for is not None:
            lines.append(f"Down for {format_duration(flip.down_for)}")
        if flip.error:
            lines.append(f"First error: {flip.error}")
        lines.append(f"Recovered at {when}")
    return Message(event=event, title=title, body="\n".join(lines))


def test_message() -> Message:
    """Return the message `channel test` sends."""
    return Message(
        event="test",
        title="Upwatch test notification",
        body="This channel works: Upwatch will alert here when a monitor goes down.",
    )
