"""The rules of a public status page, without a database: states, banner, causes, bars."""

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from sync_server.public.render import bars_html, chart, day_label, duration
from sync_server.public.repository import MonitorRow
from sync_server.public.view import (
    DayBar,
    MonitorView,
    current_status,
    latest_state,
    overall_status,
    public_cause,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def monitor(**fields: object) -> MonitorRow:
    row = {"id": uuid.uuid4(), "name": "API", "interval": 60, "is_active": True, "cloud": False,
           "confirmations": 2, "updated_at": NOW}  # fmt: skip
    return MonitorRow(**{**row, **fields})  # type: ignore[arg-type]


def checks(*statuses: str, age: timedelta = timedelta(seconds=30)) -> list[SimpleNamespace]:
    """Newest first, one a minute."""
    return [
        SimpleNamespace(status=s, checked_at=NOW - age - timedelta(minutes=i), response_time_ms=90)
        for i, s in enumerate(statuses)
    ]


@pytest.mark.parametrize(
    ("statuses", "confirmations", "expected"),
    [
        (("up", "down"), 2, "up"),
        (("down", "up"), 2, "up"),  # one failure is not an outage yet
        (("down", "down", "up"), 2, "down"),
        (("down", "up"), 1, "down"),
        (("down",), 2, "down"),  # all there is agrees
        (("degraded", "up"), 2, "degraded"),
        (("down", "degraded"), 3, "degraded"),
    ],
)
def test_the_current_state_follows_confirmations(
    statuses: tuple[str, ...], confirmations: int, expected: str
) -> None:
    status, last, _ = current_status(monitor(confirmations=confirmations), checks(*statuses), NOW)
    assert status == expected
    assert last == NOW - timedelta(seconds=30)


def test_a_monitor_without_recent_checks_is_unknown_not_up() -> None:
    assert current_status(monitor(), checks("up", age=timedelta(minutes=11)), NOW)[0] == "unknown"
    slow = monitor(interval=3600)
    assert current_status(slow, checks("up", age=timedelta(minutes=50)), NOW)[0] == "up"
    assert current_status(monitor(), [], NOW)[0] == "unknown"
    assert current_status(monitor(is_active=False), checks("down", "down"), NOW)[0] == "paused"


RECENT, OLD = timedelta(seconds=30), timedelta(minutes=30)


@pytest.mark.parametrize(
    ("cloud", "local", "expected"),
    [
        ((("down", "down"), RECENT), (("up",), RECENT), ("cloud", "down")),  # the cloud's view
        ((("up",), OLD), (("up",), RECENT), ("local", "up")),  # the cloud stopped checking
        ((("up",), RECENT), (("down", "down"), OLD), ("cloud", "up")),
        ((("up",), OLD), ((), RECENT), ("cloud", "unknown")),
        ((("up",), OLD), (("up",), timedelta(minutes=20)), ("local", "unknown")),  # newer
        (((), RECENT), ((), RECENT), ("local", "unknown")),  # nothing: the monitor's flag
    ],
)
def test_the_state_is_the_clouds_while_recent_else_the_desktops(
    cloud: tuple[tuple[str, ...], timedelta],
    local: tuple[tuple[str, ...], timedelta],
    expected: tuple[str, str],
) -> None:
    latest = {"cloud": checks(*cloud[0], age=cloud[1]), "local": checks(*local[0], age=local[1])}
    assert latest_state(monitor(), latest, NOW)[:2] == expected


def view(status: str) -> MonitorView:
    return MonitorView(uuid.uuid4(), "m", status, None, None, "local")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["up", "up"], "up"),
        (["up", "degraded"], "degraded"),
        (["up", "down"], "partial"),
        (["down", "down"], "major"),
        (["down", "paused"], "major"),
        (["down", "unknown"], "partial"),
        (["unknown", "paused"], "unknown"),
        ([], "unknown"),
    ],
)
def test_the_banner_sums_up_the_monitors(statuses: list[str], expected: str) -> None:
    assert overall_status([view(s) for s in statuses]) == expected


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        ("expected 200-299, got 503", "HTTP 503"),
        ("timeout after 30 s", "timed out"),
        ("DNS lookup failed for db.internal.acme", "DNS failure"),
        ("could not connect: connection refused", "could not connect"),
        ("blocked: 10.0.0.5 is private", "could not connect"),
        ("keyword 'secret-token' not found", "content check failed"),
        ("TLS certificate expired", "TLS certificate or handshake problem"),
        (None, "not responding as expected"),
        ("<script>alert(1)</script>", "not responding as expected"),
    ],
)
def test_a_public_cause_never_repeats_hosts_addresses_or_keywords(
    error: str | None, cause: str
) -> None:
    assert public_cause(error) == cause


def test_day_bars_have_levels_and_say_date_uptime_and_downtime() -> None:
    assert DayBar(date(2026, 11, 1), None, 0, 0).level == "none"
    assert DayBar(date(2026, 11, 1), 100.0, 0, 1440).level == "up"
    assert DayBar(date(2026, 11, 1), 99.5, 420, 1440).level == "minor"
    bad = DayBar(date(2026, 11, 1), 90.0, 8640, 1440)
    assert bad.level == "major"
    assert day_label(bad) == "01 Nov 2026 · 90.00% uptime · 2 h 24 min down"
    assert day_label(DayBar(date(2026, 11, 2), None, 0, 0)) == "02 Nov 2026 · No data"
    html = bars_html([DayBar(date(2026, 11, 2), None, 0, 0), bad])
    assert html == (
        '<li class="none" aria-label="02 Nov 2026 · No data"></li>'
        '<li class="major" tabindex="0" aria-label="01 Nov 2026 · 90.00% uptime · 2 h 24 min down">'
        "</li>"
    )  # days with downtime take focus


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"), (3900, "1 h 5 min"),
     (86400, "1 d"), (90000, "1 d 1 h")],
)  # fmt: skip
def test_durations_read_like_people_write_them(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_the_chart_breaks_where_nothing_answered() -> None:
    hours = [NOW + timedelta(hours=h) for h in range(6)]
    m = view("up")
    m.chart = list(zip(hours, [100.0, 200.0, None, None, 150.0, 150.0], strict=True))
    drawn = chart(m)
    assert drawn is not None
    assert len(drawn.lines) == 2
    assert drawn.summary == "lowest 100 ms, highest 200 ms"
    m.chart = [(h, None) for h in hours]
    assert chart(m) is None


def test_an_hour_alone_is_drawn_across_its_hour() -> None:
    """A polyline of one point draws nothing: an hour with no answered neighbour is a dash
    as wide as its hour (half of it at the chart's edges)."""
    hours = [NOW + timedelta(hours=h) for h in range(24)]
    m = view("up")
    for alone in (0, 10, 23):
        m.chart = [(at, 120.0 if n == alone else None) for n, at in enumerate(hours)]
        drawn = chart(m)
        assert drawn is not None
        assert drawn.lines == []
        (dash,) = drawn.points
        (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in dash.split())
        step = drawn.width / 23
        assert x2 - x1 == pytest.approx(step if alone == 10 else step / 2, abs=0.1)
        assert x1 <= alone * step <= x2
        assert y1 == y2 < drawn.height
        assert len(drawn.areas) == 1
    m.chart = [(at, 100.0 if n in (3, 7, 8) else None) for n, at in enumerate(hours)]
    drawn = chart(m)
    assert drawn is not None
    assert (len(drawn.lines), len(drawn.points)) == (1, 1)
