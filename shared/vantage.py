"""Where a monitor is down from: this computer, the cloud, or both."""

from __future__ import annotations

from datetime import datetime

from shared.status import Status

# a cloud result older than this many intervals (or 5 min) no longer says anything about now
STALE_INTERVALS = 3
STALE_FLOOR_S = 300


def where_down(
    local: Status,
    cloud: Status | None,
    cloud_checked_at: datetime | None,
    interval_s: int,
    now: datetime,
) -> str | None:
    """Return "down everywhere", "down from here only", "down from the cloud only", or None
    when the two agree that it is up, or there is no recent cloud result to compare with."""
    if cloud is None or cloud_checked_at is None:
        return None
    age = (now - cloud_checked_at).total_seconds()
    if age > max(STALE_INTERVALS * interval_s, STALE_FLOOR_S):
        return None
    here, there = local == Status.DOWN, cloud == Status.DOWN
    if here and there:
        return "down everywhere"
    if here:
        return "down from here only"
    if there:
        return "down from the cloud only"
    return None
