"""With access tokens that last 10 seconds, Alice's two runners keep syncing for longer
than two lifetimes, stay signed in, and never trip the server's refresh-token reuse guard."""

from __future__ import annotations

import time

import pytest

from tests.journeys.computers import Journey
from tests.journeys.conftest import server_env
from tests.journeys.steps import (
    in_sync,
    keeps_quiet,
    settled,
    sync_errors,
    two_running_desktops,
)
from tests.support.fake_stripe import FakeStripe
from tests.support.target import TargetServer

ACCESS_SECONDS = 10
OUTLIVE_SECONDS = 25.0


@pytest.mark.timeout(180)
def test_sync_continues_across_access_token_expiry(
    journey: Journey, stripe: FakeStripe, target: TargetServer
) -> None:
    server = journey.own_server(**server_env(stripe, UPWATCH_ACCESS_SECONDS=str(ACCESS_SECONDS)))
    server.start()
    a, b = two_running_desktops(journey, server)
    assert a.runner is not None
    assert b.runner is not None
    started = time.monotonic()
    a.ok("add", target.url("status/200"), "--name", "Early", "--interval", "30")
    in_sync(a, b, "B lists Early", lambda: "Early" in b.names())

    # nothing to do for longer than two token lifetimes: the next requests need a refresh
    for desktop in (a, b):
        runner = desktop.runner
        assert runner is not None
        keeps_quiet(runner, OUTLIVE_SECONDS / 2, since=started)
    a.ok("add", target.url("status/200"), "--name", "Late", "--interval", "30")
    in_sync(a, b, "B lists Late, added after A's token expired", lambda: "Late" in b.names())
    b.ok("edit", "Early", "--name", "Earliest")
    in_sync(a, b, "A shows Early renamed on B", lambda: "Earliest" in a.names())

    for desktop in (a, b):
        shown = settled(desktop)
        assert "not signed in" not in shown.lower(), shown
        printed = desktop.runner.texts(since=started) if desktop.runner else []
        assert not sync_errors(printed), f"{desktop.name}'s runner:\n" + "\n".join(printed)
    assert "refresh token reused" not in server.log_text(), server.describe()
