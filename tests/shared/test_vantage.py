"""where_down: the two vantage points, table-driven."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.status import Status
from shared.vantage import where_down

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
FRESH = NOW - timedelta(seconds=30)


@pytest.mark.parametrize(
    ("local", "cloud", "at", "expected"),
    [
        (Status.DOWN, Status.DOWN, FRESH, "down everywhere"),
        (Status.DOWN, Status.UP, FRESH, "down from here only"),
        (Status.DOWN, Status.DEGRADED, FRESH, "down from here only"),
        (Status.UP, Status.DOWN, FRESH, "down from the cloud only"),
        (Status.UNKNOWN, Status.DOWN, FRESH, "down from the cloud only"),  # laptop offline
        (Status.UP, Status.UP, FRESH, None),
        (Status.DOWN, None, None, None),  # no cloud results: nothing to compare
        (Status.DOWN, Status.UP, NOW - timedelta(minutes=10), None),  # stale cloud result
        (Status.DOWN, Status.UP, NOW - timedelta(minutes=4), "down from here only"),
    ],
)
def test_where_a_monitor_is_down_from(
    local: Status, cloud: Status | None, at: datetime | None, expected: str | None
) -> None:
    assert where_down(local, cloud, at, 60, NOW) == expected
