"""What the tray and the window header say about all monitors at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from shared.status import Status, worst

_ORDER = (Status.UP, Status.DEGRADED, Status.DOWN, Status.UNKNOWN, Status.PAUSED)


def tray_summary(statuses: Iterable[Status]) -> tuple[Status, str]:
    """Return the worst status and a line such as "12 up · 1 down"."""
    counts = Counter(statuses)
    if not counts:
        return Status.UNKNOWN, "No monitors yet"
    worst_active = (
        worst([s for s in counts if s != Status.PAUSED])
        if any(s != Status.PAUSED for s in counts)
        else Status.PAUSED
    )
    text = " · ".join(f"{counts[s]} {s.value}" for s in _ORDER if counts[s])
    return worst_active, text
