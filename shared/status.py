"""The states a monitor and a single check can be in."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of one check, and the state of a monitor."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    PAUSED = "paused"
    UNKNOWN = "unknown"

    @property
    def is_known(self) -> bool:
        """True for outcomes that count towards uptime (up, degraded, down)."""
        return self in (Status.UP, Status.DEGRADED, Status.DOWN)

    @property
    def is_bad(self) -> bool:
        """True for outcomes that can raise an alert (down, degraded)."""
        return self in (Status.DOWN, Status.DEGRADED)


# Worst first: the tray shows the worst state of all monitors.
SEVERITY: dict[Status, int] = {
    Status.DOWN: 4,
    Status.DEGRADED: 3,
    Status.UNKNOWN: 2,
    Status.UP: 1,
    Status.PAUSED: 0,
}


def worst(statuses: list[Status]) -> Status:
    """Return the most severe status of a list (UNKNOWN for an empty list)."""
    if not statuses:
        return Status.UNKNOWN
    return max(statuses, key=SEVERITY.__getitem__)
