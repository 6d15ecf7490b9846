"""Alice shares her shop on a status page, upgrades through Stripe Checkout and lets the cloud
check it (`upwatch worker --dev` runs beside the server). Her page shows the same uptime as
before the cloud took over, and when the shop goes down each alert channel gets one message:
the cloud sends it, her desktops stand aside."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.journeys.computers import JOURNEY_KEY, Desktop, DevServer, Journey, open_folder
from tests.journeys.processes import Process, http_get, wait_until
from tests.journeys.steps import (
    chromium_dom,
    complete_checkout,
    history_rows,
    in_sync,
    page_uptimes,
    where,
)
from tests.support.fake_stripe import FakeStripe
from tests.support.target import TargetServer
from tests.support.webhook import WebhookReceiver

INTERVAL = 10  # the business plan's fastest cloud interval
CLOUD_SECONDS = 70.0  # the first cloud result reaches a desktop by the minute's sync at worst
_pages = itertools.count(1)


@dataclass
class Takeover:
    """Alice's world after the cloud took over her shop's checks."""

    world: Journey
    a: Desktop
    b: Desktop
    server: DevServer
    worker: Process
    webhook: WebhookReceiver
    switch: str
    page_url: str
    page_before: str


def page_when(url: str, ready: object, what: str, describe: object) -> str:
    """GET the status page until `ready(html)` holds; return its HTML."""
    seen = [""]

    def fetch() -> bool:
        status, seen[0] = http_get(url)
        return status == 200 and bool(ready(seen[0]))  # type: ignore[operator]

    wait_until(fetch, CLOUD_SECONDS, lambda: f"{what}\n{seen[0][-3000:]}\n{describe()}")  # type: ignore[operator]
    return seen[0]


def checked_from_cloud(desktop: Desktop) -> bool:
    """Whether `upwatch history Shop` lists a check made by the cloud."""
    return any("cloud" in " ".join(where(r)).lower() for r in history_rows(desktop, "Shop"))


@pytest.fixture(scope="module")
def takeover(
    journeys_root: object, shared_server: DevServer, stripe: FakeStripe, target: TargetServer
) -> Iterator[Takeover]:
    """Sign up, share, upgrade, check from the cloud: the state both journeys start from."""
    world = Journey(open_folder(journeys_root / "takeover"), shared_server)  # type: ignore[operator]
    running = list(Process.running)
    webhook = WebhookReceiver().start()
    switch = f"takeover-{time.monotonic_ns()}"
    try:
        yield _take_over(world, shared_server, stripe, target, webhook, switch)
    finally:
        Process.stop_all(keep=[*running, *filter(None, [shared_server.process])])
        shared_server.workers.clear()
        webhook.stop()
        target.clear_switch(switch)


def _take_over(
    world: Journey,
    server: DevServer,
    stripe: FakeStripe,
    target: TargetServer,
    webhook: WebhookReceiver,
    switch: str,
) -> Takeover:
    email = world.email("alice")
    a, b = world.desktop("A"), world.desktop("B")
    a.signup(server.url, email)
    b.login(server.url, email)
    a.ok("channel", "add", "team-hook", webhook.apprise_url("hook"))
    a.ok("add", target.switch_url(switch), "--name", "Shop", "--interval", str(INTERVAL))
    for desktop in (a, b):
        desktop.start_runner()
    in_sync(a, b, "B lists Shop", lambda: "Shop" in b.names(), timeout=10)
    wait_until(lambda: len(history_rows(a, "Shop")) >= 2, 25, a.describe)

    slug = f"alice-shop-{next(_pages)}-{time.monotonic_ns() % 10**6}"
    shared = a.ok("share", "Shop", "--slug", slug, "--title", "Alice's shop")
    assert f"/s/{slug}" in shared, shared
    page_url = f"{server.url}/s/{slug}"
    before = page_when(
        page_url,
        lambda html: page_uptimes(html) and "—" not in dict(page_uptimes(html))["24 hours"],
        "the page shows the shop's local uptime",
        lambda: a.describe(),
    )

    said = a.ok("upgrade", "business")
    assert "business" in said, said
    complete_checkout(stripe, server)
    wait_until(lambda: "business plan" in a.ok("whoami"), 15, a.describe)
    a.ok("edit", "Shop", "--cloud")
    worker = server.start_worker()
    wait_until(
        lambda: checked_from_cloud(a),
        CLOUD_SECONDS,
        lambda: (
            f"A's history shows no check made by the cloud\n{a.describe()}\n{worker.describe()}"
        ),
    )
    return Takeover(world, a, b, server, worker, webhook, switch, page_url, before)


@pytest.fixture(autouse=True)
def _report(request: pytest.FixtureRequest) -> None:
    if "takeover" in request.fixturenames:
        request.node.stash[JOURNEY_KEY] = request.getfixturevalue("takeover").world


@pytest.mark.timeout(240)
def test_the_status_page_shows_the_same_uptime_before_and_after_the_cloud_takes_over(
    takeover: Takeover,
) -> None:
    before = page_uptimes(takeover.page_before)
    after = page_when(
        takeover.page_url,
        lambda html: "cloud" in html.lower() or page_uptimes(html),
        "the page answers",
        takeover.a.describe,
    )
    assert page_uptimes(after) == before, (
        f"uptime before the takeover {before}, after {page_uptimes(after)}"
    )
    rendered = chromium_dom(takeover.page_url, takeover.world.root / "chromium")
    assert page_uptimes(rendered) == before, rendered[-3000:]


@pytest.mark.timeout(240)
def test_an_outage_of_a_cloud_checked_monitor_alerts_once_per_channel(
    takeover: Takeover, target: TargetServer
) -> None:
    a, b, webhook = takeover.a, takeover.b, takeover.webhook
    assert a.runner is not None
    assert b.runner is not None
    down_at = time.monotonic()
    target.set_switch(takeover.switch, status=503, body="down for maintenance")

    def downs() -> list[str]:
        return [r.text for r in webhook.received if "is down" in r.text]

    wait_until(
        lambda: downs(),
        3 * INTERVAL,
        lambda: (
            f"no alert reached the webhook: {webhook.received}\n{takeover.worker.describe()}"
            f"\n{a.describe()}"
        ),
    )
    # both desktops see the outage too: by then a second message would have been sent
    for desktop in (a, b):
        runner = desktop.runner
        assert runner is not None
        runner.wait_for_line("Shop is down", 3 * INTERVAL, since=down_at)
    quiet_until = time.monotonic() + 5
    while time.monotonic() < quiet_until:
        time.sleep(0.2)
    assert len(downs()) == 1, f"the webhook got {len(downs())} down alerts:\n" + "\n".join(downs())
