"""Journeys: the real `upwatch` processes a user starts, and the outside world around them.

One `upwatch server --dev` serves the whole session (its private PostgreSQL takes seconds
to make); each test signs up its own accounts and starts its own desktops, workers and
runners, all stopped when the test ends. The monitored site, the webhook receiver and
Stripe are the outside world: they run in this process.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.journeys.computers import JOURNEY_KEY, DevServer, Journey, open_folder
from tests.journeys.processes import Process
from tests.support.fake_stripe import WEBHOOK_SECRET, FakeStripe

PRICES = {"starter": "price_starter", "pro": "price_pro", "business": "price_business"}


def server_env(stripe: FakeStripe, **extra: str) -> dict[str, str]:
    """The settings of the journeys' server: billing through the fake Stripe, the loopback
    target and webhook receiver reachable from the cloud, and rate limits above what one
    machine playing many users sends."""
    return {
        "UPWATCH_STRIPE_SECRET_KEY": "sk_test_journeys",
        "UPWATCH_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "UPWATCH_STRIPE_API_BASE": stripe.base_url,
        **{f"UPWATCH_STRIPE_PRICE_{plan.upper()}": price for plan, price in PRICES.items()},
        "UPWATCH_OUTBOUND_ALLOW": '["127.0.0.0/8"]',
        "UPWATCH_RATE_LIMIT_IP": "100000/minute",
        "UPWATCH_RATE_LIMIT_USER": "100000/hour",
        "UPWATCH_RATE_LIMIT_LOGIN_IP": "10000/hour",
        **extra,
    }


@pytest.fixture(scope="session")
def journeys_root() -> Iterator[Path]:
    """A folder for the session's homes and logs (under /tmp, reachable by `postgres`)."""
    root = open_folder(Path(tempfile.mkdtemp(prefix="upwatch-journeys-", dir="/tmp")))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def stripe() -> Iterator[FakeStripe]:
    """Stripe's API, played locally."""
    with FakeStripe() as fake:
        yield fake


@pytest.fixture(scope="session")
def shared_server(journeys_root: Path, stripe: FakeStripe) -> Iterator[DevServer]:
    """`upwatch server --dev` for the whole session."""
    server = DevServer(journeys_root / "server", journeys_root / "server-logs", server_env(stripe))
    try:
        yield server.start()
    finally:
        for worker in server.workers:
            worker.stop()
        server.stop()


@pytest.fixture
def server(shared_server: DevServer) -> Iterator[DevServer]:
    """The shared server, started again if an earlier journey left it down."""
    if shared_server.process is None or not shared_server.process.alive:
        shared_server.stop()
        shared_server.start()
    yield shared_server
    for worker in shared_server.workers:
        worker.stop()
    shared_server.workers.clear()


@pytest.fixture
def journey(
    request: pytest.FixtureRequest, journeys_root: Path, shared_server: DevServer
) -> Iterator[Journey]:
    """This test's world; every process it started is stopped at its end."""
    # short: the dev database's socket lives below it, and socket paths have ~100 bytes
    root = open_folder(journeys_root / f"{next(NUMBERS):02d}-{request.node.name[5:25]}")
    world = Journey(root, shared_server)
    request.node.stash[JOURNEY_KEY] = world
    before = list(Process.running)
    yield world
    for own in world.servers[1:]:
        own.stop()
    Process.stop_all(keep=[*before, *filter(None, [shared_server.process])])


NUMBERS = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach every log of a failed journey to its report."""
    report = yield
    world = item.stash.get(JOURNEY_KEY, None)
    if world is not None and report.failed and call.when == "call":
        report.sections.append(("journey logs", world.describe()))
    return report
