"""A status page across a cloud takeover: a monitor the desktop checked (its pushed results)
that the cloud checks from some moment on (or the reverse, after a downgrade) shows one
timeline, with the same figures everywhere: no drop without downtime, no day counted twice,
and real downtime from either source still shows."""

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.personas import ALICE
from tests.support.status_history import Result, add_incident, add_results
from tests.sync_server.test_public_pages import Page, add_monitor, login, publish


@pytest.fixture
def alice(client: TestClient, db: Engine) -> dict[str, str]:
    """Alice, on a plan with cloud checks."""
    headers = login(client, ALICE)
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET plan = 'starter'"))
    return headers


def checked_from(
    client: TestClient, alice: dict[str, str], monitor: uuid.UUID, cloud: bool
) -> None:
    """Set whether the cloud checks the monitor (once a minute, two confirmations)."""
    body = {"url": "https://api.example.com", "name": "API", "cloud": cloud, "interval": 60}
    answer = client.put(f"/api/monitors/{monitor}", json=body, headers=alice)
    assert answer.status_code == 200, answer.text


def minutes(start: datetime, end: datetime, status: str = "up", ms: int = 120) -> list[Result]:
    """One result a minute from start (included) to end (excluded)."""
    count = int((end - start).total_seconds() // 60)
    return [(start + timedelta(minutes=n), status, ms if status != "down" else None)
            for n in range(count)]  # fmt: skip


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def takeover_times(now: datetime) -> dict[str, datetime]:
    """Takeovers at an hour's start: within the last hours, in the last hour of yesterday
    (whatever the time of day the test runs at), and mid-afternoon 2 days ago."""
    return {"an hour ago": hour_of(now) - timedelta(hours=1),
            "in a day's last hour": midnight(now) - timedelta(hours=1),
            "two days ago": midnight(now) - timedelta(days=2) + timedelta(hours=14)}  # fmt: skip


def page_monitor(client: TestClient) -> dict[str, Any]:
    (monitor,) = client.get("/api/public/status-pages/acme").json()["monitors"]
    assert isinstance(monitor, dict)
    return monitor


def badge_value(client: TestClient, monitor: uuid.UUID, path: str) -> str:
    """The value a badge shows (the last text of the SVG)."""
    texts = [
        e.text
        for e in ET.fromstring(client.get(f"/api/public/badges/{monitor}/{path}").content).iter()
        if e.text
    ]
    return str(texts[-1])


def dated_days(monitor: dict[str, Any]) -> list[dict[str, Any]]:
    """The days the page knows something about, from the first one to today."""
    days: list[dict[str, Any]] = monitor["days"]
    first = next(n for n, day in enumerate(days) if day["uptime"] is not None)
    return days[first:]


@pytest.mark.parametrize("keeps_checking", [True, False], ids=["desktop on", "desktop off"])
@pytest.mark.parametrize("when", ["an hour ago", "in a day's last hour", "two days ago"])
@pytest.mark.parametrize(("first", "then"), [("local", "cloud"), ("cloud", "local")])
def test_a_takeover_without_downtime_is_100_percent_in_every_figure(
    client: TestClient,
    db: Engine,
    alice: dict[str, str],
    when: str,
    keeps_checking: bool,
    first: str,
    then: str,
) -> None:
    """Three days checked by one source, then the other takes over (the desktop may go on
    checking too: its minutes are not counted twice): 100 % everywhere, no gap in the bars,
    and the page counts exactly one result per minute of the timeline."""
    now = datetime.now(UTC)
    takeover = takeover_times(now)[when]
    monitor = add_monitor(client, alice, "API")
    checked_from(client, alice, monitor, cloud=then == "cloud")
    start = takeover - timedelta(days=3)
    add_results(db, monitor, first, minutes(start, takeover, ms=200))
    add_results(db, monitor, then, minutes(takeover, now, ms=80))
    if keeps_checking:  # the desktop checks while the cloud does too
        span = (takeover, now) if first == "local" else (start, takeover)
        add_results(db, monitor, "local", minutes(*span, ms=300))
    publish(client, alice, "acme", [monitor])

    shown = page_monitor(client)
    assert shown["uptime"] == {"24h": 100.0, "30d": 100.0, "90d": 100.0}
    assert (shown["status"], shown["source"]) == ("up", then)
    days = dated_days(shown)
    assert days[0]["date"] == start.date().isoformat()
    assert days[-1]["date"] == now.date().isoformat()
    assert all((d["uptime"], d["downtime_s"]) == (100.0, 0) for d in days)  # no gap, no dip
    assert sum(d["checks"] for d in days) == len(minutes(start, now))  # each minute once
    assert client.get(f"/api/public/status/{monitor}").json() == shown

    page = Page(client.get("/s/acme").text)
    assert "24 hours 100% 30 days 100% 90 days 100%" in page.text
    classes = [bar["class"] for bar in page.bars]
    assert classes[-len(days) :] == ["up"] * len(days)
    drawn = [v.count(",") for k, v in page.attrs if k == "points"]
    assert drawn == [24 + 2, 24]  # one area and one line through all 24 hours: no gap
    for window in ("24h", "30d", "90d"):
        assert badge_value(client, monitor, f"uptime.svg?window={window}") == "100%"
    assert badge_value(client, monitor, "status.svg") == "operational"
    # the day's response times are each hour's one source: 200 ms, then 80 ms (never 300)
    assert 80 <= shown["mean_ms_24h"] <= 200
    badge_ms = badge_value(client, monitor, "response.svg").removesuffix(" ms")
    assert abs(int(badge_ms) - shown["mean_ms_24h"]) <= 0.55  # the same mean, rounded


@pytest.mark.parametrize("keeps_checking", [True, False], ids=["desktop on", "desktop off"])
def test_downtime_the_desktop_saw_before_a_takeover_on_the_same_day_still_shows(
    client: TestClient, db: Engine, alice: dict[str, str], keeps_checking: bool
) -> None:
    """A 30 minute outage at 11:00, the cloud from 14:00 that day: the day is not the cloud's
    afternoon alone."""
    now = datetime.now(UTC)
    takeover = takeover_times(now)["two days ago"]
    outage = takeover - timedelta(hours=3)
    monitor = add_monitor(client, alice, "API")
    checked_from(client, alice, monitor, cloud=True)
    start = midnight(takeover) - timedelta(days=1)
    add_results(db, monitor, "local", minutes(start, outage))
    add_results(db, monitor, "local", minutes(outage, outage + timedelta(minutes=30), "down"))
    add_results(db, monitor, "local", minutes(outage + timedelta(minutes=30), takeover))
    add_results(db, monitor, "cloud", minutes(takeover, now))
    if keeps_checking:
        add_results(db, monitor, "local", minutes(takeover, now))
    publish(client, alice, "acme", [monitor])

    shown = page_monitor(client)
    (day,) = [d for d in shown["days"] if d["date"] == takeover.date().isoformat()]
    assert (day["checks"], day["downtime_s"]) == (1440, 1800)
    assert day["uptime"] == round(100 * (1440 - 30) / 1440, 3)
    assert shown["uptime"]["24h"] == 100.0
    assert shown["uptime"]["30d"] == shown["uptime"]["90d"] < 100.0
    page = Page(client.get("/s/acme").text)
    (bar,) = [b for b in page.bars if b["aria-label"].endswith("30 min down")]
    assert bar["class"] == "major"
    assert badge_value(client, monitor, "uptime.svg?window=30d") != "100%"


def test_downtime_the_cloud_sees_shows_even_while_the_desktop_sees_the_site_up(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """The cloud's view wins where it checked: its outage now is the page's, and the desktop's
    incidents of hours the cloud checked are not listed twice; earlier ones still are."""
    now = datetime.now(UTC)
    takeover = takeover_times(now)["two days ago"]
    monitor = add_monitor(client, alice, "API")
    checked_from(client, alice, monitor, cloud=True)
    start = takeover - timedelta(days=1)
    add_results(db, monitor, "local", minutes(start, now))
    outage = now - timedelta(minutes=20)
    add_results(db, monitor, "cloud", minutes(takeover, outage))
    add_results(db, monitor, "cloud", minutes(outage, now + timedelta(minutes=1), "down"))
    before = add_incident(db, monitor, "local", start + timedelta(hours=2),
                          start + timedelta(hours=3), "timeout after 30 s")  # fmt: skip
    add_incident(db, monitor, "local", takeover + timedelta(hours=1),
                 takeover + timedelta(hours=2), "timeout after 30 s")  # fmt: skip
    now_down = add_incident(db, monitor, "cloud", outage, None, "expected 200-299, got 503")
    publish(client, alice, "acme", [monitor])

    shown = page_monitor(client)
    assert (shown["status"], shown["source"]) == ("down", "cloud")
    assert shown["uptime"]["24h"] < 100.0
    assert shown["days"][-1]["downtime_s"] > 0
    listed = client.get("/api/public/status-pages/acme").json()["incidents"]
    assert [i["id"] for i in listed] == [str(now_down), str(before)]
    assert badge_value(client, monitor, "status.svg") == "down"
    assert badge_value(client, monitor, "uptime.svg?window=24h") != "100%"


def test_the_desktops_checks_show_when_the_cloud_has_stopped_checking(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """The cloud's last check is 30 minutes old and the desktop checked a minute ago: the
    state is the desktop's, not "No recent data", and the latest hours are the desktop's."""
    now = datetime.now(UTC)
    monitor = add_monitor(client, alice, "API")
    checked_from(client, alice, monitor, cloud=True)
    add_results(
        db, monitor, "cloud", minutes(now - timedelta(hours=5), now - timedelta(minutes=30))
    )
    add_results(db, monitor, "local", minutes(now - timedelta(hours=1), now, ms=90))
    publish(client, alice, "acme", [monitor])
    shown = page_monitor(client)
    assert (shown["status"], shown["source"], shown["last_response_ms"]) == ("up", "local", 90)
    assert shown["uptime"]["24h"] == 100.0


def test_a_chart_of_one_hour_draws_that_hour(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """A monitor with a single result in the last day gets a visible mark, not an empty box."""
    monitor = add_monitor(client, alice, "API")
    add_results(db, monitor, "local", [(datetime.now(UTC) - timedelta(minutes=1), "up", 140)])
    publish(client, alice, "acme", [monitor])
    html = client.get("/s/acme").text
    assert "No response times" not in html
    svg = ET.fromstring("<svg" + html.split('<div class="chart">', 1)[1].split("<svg", 1)[1]
                        .split("</svg>", 1)[0] + "</svg>")  # fmt: skip
    (mark,) = [e for e in svg.iter("polyline") if e.get("class") == "line point"]
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in mark.get("points", "").split())
    assert x2 - x1 >= 5.0  # as wide as (the visible half of) its hour, on the chart
    assert y1 == y2 < float(svg.get("viewBox", "").split()[3])  # above the base line
    (area,) = svg.iter("polygon")
    assert len(area.get("points", "").split()) == 4  # shaded under it too
    assert "lowest 140 ms, highest 140 ms" in (svg.findtext("title") or "")
