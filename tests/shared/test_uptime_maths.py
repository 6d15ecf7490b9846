"""Uptime maths over rollups."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.status import Status
from shared.uptime import (
    COUNT_COLUMNS,
    COUNTED,
    HISTOGRAM_BOUNDS_MS,
    HISTOGRAM_SIZE,
    ROLLUP_COLUMNS,
    Rollup,
    combine,
    day_start,
    format_uptime,
    histogram_bucket,
    hour_start,
    merge_histograms,
    uptime_percent,
    window_start,
)


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


def test_paused_counts_as_unknown_and_its_time_is_not_kept() -> None:
    rollup = Rollup()
    rollup.add(Status.PAUSED, 80)
    rollup.add(Status.DOWN, 80)
    assert (rollup.unknown, rollup.known, rollup.rt_count, rollup.uptime) == (1, 1, 0, 0.0)


def test_uptime_percent_is_ok_of_known_and_unknown_without_known() -> None:
    assert uptime_percent(3, 4) == 75.0
    assert uptime_percent(0, 0) is None


def test_a_rollup_reads_back_from_its_columns() -> None:
    rollup = Rollup()
    for status, ms in [(Status.UP, 40), (Status.DEGRADED, 900), (Status.DOWN, None)]:
        rollup.add(status, ms)
    assert len(rollup.columns()) == len(ROLLUP_COLUMNS)
    assert Rollup.from_columns(rollup.columns(), rollup.histogram) == rollup


def test_sums_of_nothing_read_as_an_empty_rollup() -> None:
    none = [None] * len(ROLLUP_COLUMNS)
    assert Rollup.from_columns(none, [None] * HISTOGRAM_SIZE) == Rollup()


def test_histograms_merge_bucket_by_bucket() -> None:
    one = [1] + [0] * (HISTOGRAM_SIZE - 1)
    assert merge_histograms([one, one, one])[0] == 3
    assert merge_histograms([]) == [0] * HISTOGRAM_SIZE


def test_buckets_start_at_the_utc_hour_and_midnight() -> None:
    tokyo = datetime(2026, 12, 1, 8, 59, 59, tzinfo=timezone(timedelta(hours=9)))
    assert hour_start(tokyo) == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert day_start(tokyo) == datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "hourly", "first"),
    [
        (timedelta(hours=24), True, datetime(2026, 11, 30, 15, tzinfo=UTC)),
        (timedelta(days=7), False, datetime(2026, 11, 25, tzinfo=UTC)),
        (timedelta(days=30), False, datetime(2026, 11, 2, tzinfo=UTC)),
    ],
)
def test_a_window_reads_whole_hours_up_to_a_day_and_whole_days_past_it(
    window: timedelta, hourly: bool, first: datetime
) -> None:
    now = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    assert window_start(window, now) == (hourly, first)


def test_each_counted_status_has_its_column_in_order_then_unknown() -> None:
    assert (*COUNTED.values(), "unknown") == COUNT_COLUMNS
    assert all(str(status) == name for status, name in COUNTED.items())
