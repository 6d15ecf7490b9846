"""Alice signs up on her laptop (A), signs in on her desktop (B), runs `upwatch run` on both,
and edits her monitors on either: the other follows within seconds, with no manual sync; what
one computer checked shows on the other, marked by where it was checked."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from tests.journeys.computers import DevServer, Journey
from tests.journeys.processes import wait_until
from tests.journeys.steps import (
    checked_at,
    history_rows,
    in_sync,
    settled,
    two_running_desktops,
    where,
)
from tests.support.target import TargetServer

RESULTS_SECONDS = 65.0  # the runner syncs at least once a minute


def test_monitors_added_edited_and_deleted_on_either_desktop_follow_on_the_other(
    journey: Journey, server: DevServer, target: TargetServer
) -> None:
    a, b = two_running_desktops(journey, server)
    a.ok("add", target.url("status/200"), "--name", "Shop", "--interval", "30")
    in_sync(a, b, "B lists Shop, added on A", lambda: "Shop" in b.names())

    b.ok("add", target.url("status/201"), "--name", "Blog", "--interval", "30")
    in_sync(a, b, "A lists Blog, added on B", lambda: "Blog" in a.names())

    a.ok("edit", "Shop", "--url", target.url("status/204"), "--interval", "45")
    in_sync(
        a, b, "B shows Shop's new address and interval, edited on A",
        lambda: "status/204 every 45 s" in b.ok("history", "Shop", "--limit", "1"),
    )  # fmt: skip
    b.ok("edit", "Blog", "--name", "Journal")
    in_sync(a, b, "A shows Blog renamed Journal on B", lambda: a.names() == {"Shop", "Journal"})

    a.ok("rm", "Journal")
    in_sync(a, b, "B no longer lists Journal, deleted on A", lambda: b.names() == {"Shop"})
    b.ok("rm", "Shop")
    in_sync(a, b, "A no longer lists Shop, deleted on B", lambda: a.names() == set())

    for desktop in (a, b):
        assert "last sync: never" not in settled(desktop)


@pytest.mark.timeout(180)
def test_results_checked_on_one_desktop_show_on_the_other_marked_by_where(
    journey: Journey, server: DevServer, target: TargetServer
) -> None:
    email = journey.email("alice")
    a, b = journey.desktop("A"), journey.desktop("B")
    a.signup(server.url, email)
    a.ok("add", target.url("status/200"), "--name", "Shop", "--interval", "5")
    a.start_runner()
    wait_until(lambda: len(history_rows(a, "Shop")) >= 2, 15, a.describe)

    signed_in_at = datetime.now(UTC).replace(microsecond=0)
    b.login(server.url, email)
    b.start_runner()

    def checks_on_b(before: bool) -> list[dict[str, str]]:
        rows = history_rows(b, "Shop")
        return [r for r in rows if (checked_at(r) < signed_in_at) == before]

    wait_until(
        lambda: checks_on_b(before=True),
        RESULTS_SECONDS,
        lambda: (
            f"B's history of Shop shows no check from before B signed in ({signed_in_at})"
            f"\n{a.describe()}\n{b.describe()}"
        ),
    )
    wait_until(lambda: checks_on_b(before=False), 15, lambda: f"B checks Shop\n{b.describe()}")
    # A's checks carry A's name (both desktops here are on one host: its name), B's own
    # say "this computer"; both kinds go on after B signed in
    here = ("this computer",)
    from_a = {where(r) for r in checks_on_b(before=True)}
    after = {where(r) for r in checks_on_b(before=False)}
    shown = b.ok("history", "Shop")
    assert from_a == {(socket.gethostname(),)}, "B's history does not mark A's checks:\n" + shown
    assert after == from_a | {here}, "B's history does not tell A's checks from its own:\n" + shown
    listed = b.monitor("Shop")
    assert listed is not None
    assert listed["last_checked_at"] is not None, b.ok("list")
