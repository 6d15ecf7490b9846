"""Uptime maths over rollups."""

import pytest

from shared.status import Status
from shared.uptime import HISTOGRAM_BOUNDS_MS, Rollup, combine, format_uptime, histogram_bucket


def test_uptime_counts_degraded_as_up_and_ignores_unknown() -> None:
    rollup = Rollup()
    for status in (
        [Status.UP] * 6 + [Status.DEGRADED] * 2 + [Status.DOWN] * 2 + [Status.UNKNOWN] * 5
    ):
        rollup.add(status, 100)
    assert rollup.uptime == pytest.approx(80.0)
    assert rollup.known == 10


def test_uptime_is_unknown_without_known_checks() -> None:
    rollup = Rollup()
    rollup.add(Status.UNKNOWN, None)
    assert rollup.uptime is None
    assert format_uptime(rollup.uptime) == "—"


def test_response_times_of_answered_checks_only() -> None:
    rollup = Rollup()
    rollup.add(Status.UP, 100)
    rollup.add(Status.DEGRADED, 300)
    rollup.add(Status.DOWN, 9000)
    assert (rollup.rt_count, rollup.mean_ms, rollup.rt_min, rollup.rt_max) == (2, 200.0, 100, 300)


def test_p95_comes_from_the_histogram() -> None:
    rollup = Rollup()
    for _ in range(95):
        rollup.add(Status.UP, 40)
    for _ in range(5):
        rollup.add(Status.UP, 2500)
    assert rollup.p95_ms == 50
    rollup.add(Status.UP, 9000)
    assert rollup.p95_ms in (3000, 9000)


def test_merged_rollups_equal_one_rollup_of_everything() -> None:
    parts = [Rollup() for _ in range(3)]
    whole = Rollup()
    for index, ms in enumerate([10, 60, 150, 400, 800, 1200, 6000, 30, 2000]):
        status = [Status.UP, Status.DOWN, Status.DEGRADED][index % 3]
        parts[index % 3].add(status, ms)
        whole.add(status, ms)
    assert combine(parts) == whole


@pytest.mark.parametrize(
    ("ms", "bucket"), [(0, 0), (50, 0), (51, 1), (100, 1), (5000, 10), (5001, 11)]
)
def test_histogram_buckets_have_inclusive_upper_bounds(ms: int, bucket: int) -> None:
    assert histogram_bucket(ms) == bucket
    assert len(HISTOGRAM_BOUNDS_MS) == 11


@pytest.mark.parametrize(
    ("percent", "text"), [(100.0, "100%"), (99.999, "99.99%"), (99.95, "99.95%"), (50.0, "50.00%")]
)
def test_uptime_is_never_rounded_up_to_a_perfect_hundred(percent: float, text: str) -> None:
    assert format_uptime(percent) == text
