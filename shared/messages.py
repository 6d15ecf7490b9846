"""The words of an alert: a flip of a monitor becomes a title and a body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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


def flip_message(spec: MonitorSpec, flip: Flip) -> Message:
    """Return the alert for a flip of spec's monitor."""
    when = flip.at.strftime("%Y-%m-%d %H:%M:%S UTC")
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
            lines.append(f"Since {flip.incident_started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}")
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
