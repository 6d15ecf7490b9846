"""When a cloud monitor is due: a fixed grid per monitor, its phase spread by the monitor's id.

Grid points are `phase + k·interval` seconds after the epoch, the phase being a fraction of
the interval taken from the id, so a thousand monitors created at once do not all fire in the
same second, and a recheck off the grid does not move the grid.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from shared.monitor import recheck_delay


def phase(monitor_id: uuid.UUID, interval_s: float) -> float:
    """The monitor's offset within its interval, in [0, interval)."""
    return (monitor_id.int % 1_000_003) / 1_000_003 * interval_s


GRID_SLACK = timedelta(milliseconds=1)


def next_due(monitor_id: uuid.UUID, interval_s: float, after: datetime) -> datetime:
    """The monitor's first grid point more than a millisecond after `after`.

    Grid points pass through floats and microsecond timestamps, so one given back as `after`
    may come out a hair below itself; the slack keeps it from being due again at once.
    """
    offset = phase(monitor_id, interval_s)
    k = math.floor((after.timestamp() - offset) / interval_s) + 1
    due = datetime.fromtimestamp(offset + k * interval_s, UTC)
    if due <= after + GRID_SLACK:
        due += timedelta(seconds=interval_s)
    return due


def after_check(
    monitor_id: uuid.UUID, interval_s: float, now: datetime, *, recheck: bool
) -> datetime:
    """When to check next: the next grid point, or sooner to confirm a failure."""
    due = next_due(monitor_id, interval_s, now)
    if recheck:
        due = min(due, now + timedelta(seconds=recheck_delay(interval_s)))
    return due
