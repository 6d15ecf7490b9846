"""Alice's second computer runs the tray app (offscreen here); a monitor she adds on her
laptop's `upwatch run` shows in the tray app's list within seconds, and back."""

from __future__ import annotations

from tests.journeys.computers import DevServer, Journey
from tests.journeys.processes import wait_until
from tests.journeys.steps import in_sync, settled
from tests.support.target import TargetServer


def test_the_tray_app_follows_edits_made_on_another_desktop(
    journey: Journey, server: DevServer, target: TargetServer
) -> None:
    email = journey.email("alice")
    a, tray = journey.desktop("A"), journey.desktop("T")
    a.signup(server.url, email)
    tray.login(server.url, email)
    a.start_runner().wait_for_line("sync: up to date", 20)
    app = tray.start_app()
    wait_until(
        lambda: "last sync: never" not in tray.ok("whoami") or not app.alive,
        30,
        lambda: f"the tray app never synced\n{tray.describe()}",
    )
    assert app.alive, tray.describe()

    a.ok("add", target.url("status/200"), "--name", "Shop", "--interval", "30")
    in_sync(
        a, tray, "the tray app's computer lists Shop, added on A", lambda: "Shop" in tray.names()
    )
    tray.ok("edit", "Shop", "--name", "Store")
    in_sync(
        a, tray, "A shows Shop renamed on the tray app's computer", lambda: a.names() == {"Store"}
    )
    settled(tray)
