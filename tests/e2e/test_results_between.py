"""Results between computers: what A checks reaches B, marked with A's name, through the
real API and PostgreSQL; it never comes back to A and counts once on each side."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from shared.monitor import MonitorSpec
from shared.result import to_ms
from shared.status import Status
from tests.e2e.conftest import Desktop
from tests.e2e.test_sync_desktops import checked_here, cloud_result, sign_both_in, spec
from tests.support.api_server import ApiServer

UP, DOWN = Status.UP, Status.DOWN


async def laptop_and_desk(
    api: ApiServer, desktops: list[Desktop], *names: str
) -> tuple[Desktop, Desktop, list[MonitorSpec]]:
    """A ("laptop-A") and B ("desk-B") signed in to one account, both with these monitors."""
    a, b = desktops
    a.cloud.store.set(device_name="laptop-A")
    b.cloud.store.set(device_name="desk-B")
    made = [a.monitors.add(spec(name)) for name in names]
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    await b.cloud.sync()
    return a, b, made


def origins(desktop: Desktop, name: str) -> Counter[str]:
    """How many of the monitor's checks this desktop shows from each origin."""
    _, checks, _ = desktop.monitors.history(name, limit=1000)
    return Counter(getattr(check, "origin", "?") for check in checks)


def summary(desktop: Desktop, name: str) -> tuple[Status, int | None, float | None]:
    """The list's status, last checked (Unix ms) and 24 h uptime of one monitor."""
    (row,) = [s for s in desktop.monitors.summaries() if s.spec.name == name]
    checked = to_ms(row.last_checked_at) if row.last_checked_at else None
    return row.status, checked, row.uptime_24h


async def test_results_checked_on_a_reach_b_marked_with_a_s_name_and_never_come_back(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b, (shop,) = await laptop_and_desk(api, desktops, "Shop")
    now = datetime.now(UTC)
    times = [now - timedelta(minutes=m) for m in (3, 2, 1)]
    checked_here(a, shop.id, list(zip([UP, UP, DOWN], times, strict=True)))
    await a.cloud.sync()
    assert (await b.cloud.sync()).results_pulled == 3
    _, on_b, _ = b.monitors.history("Shop")
    _, on_a, _ = a.monitors.history("Shop")
    assert [c.id for c in on_b] == [c.id for c in on_a]  # the same results, not copies
    assert [c.status for c in on_b] == [DOWN, UP, UP]
    assert origins(b, "Shop") == {"laptop-A": 3}
    # B does not check Shop itself: its list shows A's latest, no longer "never"
    status, checked, uptime = summary(b, "Shop")
    assert (status, checked) == (DOWN, to_ms(times[-1]))
    assert uptime == pytest.approx(200 / 3)
    # A's own results do not come back to it, however often it syncs
    assert (await a.cloud.sync()).results_pulled == 0
    assert origins(a, "Shop") == {"this computer": 3}
    # a new name is shown on all of that computer's results
    a.cloud.store.set(device_name="laptop-A (new disk)")
    checked_here(a, shop.id, [(UP, now - timedelta(seconds=10))])
    await a.cloud.sync()
    assert (await b.cloud.sync()).results_pulled == 1
    assert origins(b, "Shop") == {"laptop-A (new disk)": 4}
    assert (await a.cloud.sync()).results_pulled == 0


async def test_a_monitor_checked_on_both_counts_each_result_once_from_one_computer(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """Each computer's uptime is its own checks' (never the sum of both: the same minutes
    checked twice, an outage seen from one diluted by the other); a computer that does not
    check a monitor shows the other's."""
    a, b, (shop, blog) = await laptop_and_desk(api, desktops, "Shop", "Blog")
    now = datetime.now(UTC)
    minutes = [now - timedelta(minutes=m) for m in (4, 3, 2, 1)]
    checked_here(a, shop.id, [(UP, at) for at in minutes])
    checked_here(a, blog.id, [(UP, minutes[0]), (DOWN, minutes[1])])
    checked_here(b, shop.id, [(DOWN, at + timedelta(seconds=20)) for at in minutes[2:]])
    for _ in range(2):  # a second round changes nothing: each result is stored once
        for desktop in (a, b, a):
            await desktop.cloud.sync()
        assert origins(a, "Shop") == {"this computer": 4, "desk-B": 2}
        assert origins(b, "Shop") == {"this computer": 2, "laptop-A": 4}
        assert summary(a, "Shop")[2] == 100.0
        assert summary(b, "Shop")[2] == 0.0
        assert summary(b, "Blog")[2] == 50.0  # only A checks it: A's figure
        assert origins(a, "Blog") == {"this computer": 2}
    detail = b.monitors.detail(shop.id)
    assert detail.windows["24h"].known == 2  # B's own, not B's plus A's
    assert [day.known for _, day in detail.days] == [2]


async def test_a_computer_that_does_not_check_shows_a_computer_s_view_before_the_cloud_s(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b, (shop,) = await laptop_and_desk(api, desktops, "Shop")
    now = datetime.now(UTC)
    checked_here(a, shop.id, [(UP, now - timedelta(seconds=60))])
    cloud_result(api, shop.id, "down", now - timedelta(seconds=30))
    await a.cloud.sync()
    await b.cloud.sync()
    (row,) = b.monitors.summaries()
    # A's fresh view is B's "here"; the cloud's newer result is what the cloud sees
    assert (row.status, row.cloud_status) == (UP, DOWN)
    assert row.where_down() == "down from the cloud only"
    # once B checks Shop itself, B's list keeps B's own view over A's newer results
    checked_here(b, shop.id, [(UP, now - timedelta(seconds=20))], holds=UP)
    checked_here(a, shop.id, [(DOWN, now - timedelta(seconds=10))])
    await a.cloud.sync()
    await b.cloud.sync()
    assert summary(b, "Shop")[:2] == (UP, to_ms(now - timedelta(seconds=20)))
    assert origins(b, "Shop") == {"this computer": 1, "laptop-A": 2, "cloud": 1}
