"""The server restarts while Alice's two desktops run: sync resumes by itself, an edit made
meanwhile arrives, and `upwatch run` says once that sync failed, then that it recovered."""

from __future__ import annotations

import time

import pytest

from tests.journeys.computers import DevServer, Journey
from tests.journeys.processes import wait_until
from tests.journeys.steps import in_sync, settled, sync_errors, two_running_desktops
from tests.support.target import TargetServer

RECOVERY_SECONDS = 30.0  # retries back off, but a user expects a restart healed in seconds


@pytest.mark.timeout(180)
def test_sync_resumes_after_the_server_restarts_mid_run(
    journey: Journey, server: DevServer, target: TargetServer
) -> None:
    a, b = two_running_desktops(journey, server)
    assert a.runner is not None
    assert b.runner is not None
    a.ok("add", target.url("status/200"), "--name", "Before", "--interval", "30")
    in_sync(a, b, "B lists Before", lambda: "Before" in b.names())

    stopped_at = time.monotonic()
    server.stop()
    a.ok("add", target.url("status/200"), "--name", "During", "--interval", "30")
    wait_until(
        lambda: sync_errors(a.runner.texts(since=stopped_at)) if a.runner else False,
        15,
        lambda: f"A's runner says nothing about the server being away\n{a.describe()}",
    )
    server.start()
    in_sync(
        a, b, "B lists During, added on A while the server was down",
        lambda: "During" in b.names(), timeout=RECOVERY_SECONDS,
    )  # fmt: skip
    a.runner.wait_for_line("sync: up to date", RECOVERY_SECONDS, since=stopped_at)

    a.ok("add", target.url("status/200"), "--name", "After", "--interval", "30")
    in_sync(a, b, "B lists After, added on A after the restart", lambda: "After" in b.names())
    b.ok("rm", "Before")
    in_sync(a, b, "A no longer lists Before, deleted on B", lambda: "Before" not in a.names())

    printed = a.runner.texts(since=stopped_at)
    errors = sync_errors(printed)
    assert len(errors) == 1, "A's runner should say once that sync failed:\n" + "\n".join(printed)
    last = [x for x in printed if "sync" in x][-1]
    assert "up to date" in last, "A's runner should end saying sync recovered:\n" + "\n".join(
        printed
    )
    for desktop in (a, b):
        settled(desktop)
