"""Plain-text tables and times for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from shared.status import Status

_MARK = {
    Status.UP: "●",
    Status.DEGRADED: "◐",
    Status.DOWN: "✖",
    Status.PAUSED: "‖",
    Status.UNKNOWN: "?",
}


def status_label(status: Status) -> str:
    """Return a status with its mark, e.g. "● up"."""
    return f"{_MARK[status]} {status.value}"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """Return "12 s ago", "5 min ago", "3 h ago", "2 d ago", or "never"."""
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 0:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def ms(value: int | None) -> str:
    """Return a response time, or "—"."""
    return "—" if value is None else f"{value} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return rows aligned under headers."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
