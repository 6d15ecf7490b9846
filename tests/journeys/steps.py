"""Steps several journeys take, and readers of what `upwatch` prints."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.journeys.computers import Desktop, DevServer, Journey
from tests.journeys.processes import Process, http_post, wait_until
from tests.support.fake_stripe import FakeStripe, event, signed

LIVE_SECONDS = 5.0  # "appears on the others within seconds": what a user waits at most
CHROMIUM = "/usr/bin/chromium"
HISTORY_COLUMNS = frozenset({"CHECKED (UTC)", "STATUS", "CODE", "RESPONSE", "ERROR"})


def two_running_desktops(
    journey: Journey, server: DevServer, email: str | None = None
) -> tuple[Desktop, Desktop]:
    """A (signed up) and B (signed in to the same account), both running `upwatch run`."""
    email = email or journey.email("alice")
    a, b = journey.desktop("A"), journey.desktop("B")
    a.signup(server.url, email)
    b.login(server.url, email)
    for desktop in (a, b):
        runner = desktop.start_runner()
        runner.wait_for_line("sync: up to date", 20)
    return a, b


def in_sync(
    a: Desktop, b: Desktop, what: str, condition: Callable[[], object], timeout: float = 0
) -> None:
    """Wait until `condition` holds (LIVE_SECONDS by default); the failure shows both."""
    wait_until(
        condition, timeout or LIVE_SECONDS, lambda: f"{what}\n{a.describe()}\n{b.describe()}"
    )


def settled(desktop: Desktop, timeout: float = 10) -> str:
    """`upwatch whoami` once nothing waits to be sent and no error shows; return it."""
    shown = [""]

    def calm() -> bool:
        shown[0] = desktop.ok("whoami")
        return "changes waiting: 0" in shown[0] and "error" not in shown[0].lower()

    wait_until(
        calm, timeout, lambda: f"whoami on {desktop.name}:\n{shown[0]}\n{desktop.describe()}"
    )
    return shown[0]


def history_rows(desktop: Desktop, name: str) -> list[dict[str, str]]:
    """The check rows `upwatch history NAME` prints, as column name -> cell."""
    table = desktop.ok("history", name, "--limit", "200").split("\n\n")[0].splitlines()
    at = next((i for i, line in enumerate(table) if line.startswith("CHECKED")), None)
    if at is None:
        return []
    header = table[at]
    starts = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    rows = []
    for line in table[at + 1 :]:
        cells = {}
        for i, (start, column) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else len(line)
            cells[column] = line[start:end].strip()
        rows.append(cells)
    return rows


def checked_at(row: dict[str, str]) -> datetime:
    """When a history row's check ran (UTC)."""
    return datetime.strptime(row["CHECKED (UTC)"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def where(row: dict[str, str]) -> tuple[str, ...]:
    """What a history row says besides the check itself: where it was checked."""
    return tuple(cell for column, cell in row.items() if column not in HISTORY_COLUMNS)


NEWS = re.compile(r"\[\d\d:\d\d:\d\d UTC\] sync")  # how `upwatch run` prints sync news


def sync_errors(lines: list[str]) -> list[str]:
    """The sync problems `upwatch run` printed as news (not its successes, not log lines)."""
    return [x for x in lines if NEWS.match(x) and "up to date" not in x]


def keeps_quiet(runner: Process, seconds: float, since: float) -> None:
    """Let `seconds` pass, failing at once if `runner` prints a sync problem meanwhile."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        printed = runner.texts(since=since)
        assert not sync_errors(printed), f"{runner.name}:\n" + "\n".join(printed)
        assert runner.alive, runner.describe()
        time.sleep(0.5)


def complete_checkout(stripe: FakeStripe, server: DevServer) -> None:
    """Play Stripe after `upwatch upgrade`: the customer pays, the subscription is active,
    and Stripe sends its signed checkout.session.completed webhook to the server."""
    session = stripe.calls("/v1/checkout/sessions")[-1].form
    subscription = f"sub_{uuid.uuid4().hex[:12]}"
    stripe.set_subscription(
        subscription,
        customer=session["customer"],
        status="active",
        price=session["line_items[0][price]"],
    )
    paid = {
        "id": f"cs_{uuid.uuid4().hex[:12]}",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": session["customer"],
        "client_reference_id": session["client_reference_id"],
        "subscription": subscription,
    }
    body, headers = signed(event("checkout.session.completed", paid))
    status, answer = http_post(f"{server.url}/api/webhooks/stripe", body, headers)
    assert status == 200, f"the server refused Stripe's webhook: {status} {answer}"


UPTIME = re.compile(r"(24 hours|30 days|90 days) <strong>([^<]*)</strong>")


def page_uptimes(html: str) -> list[tuple[str, str]]:
    """The uptime figures a status page shows, per window, in page order."""
    return UPTIME.findall(html)


def chromium_dom(url: str, profile: Path) -> str:
    """The page as headless Chromium renders it (its DOM after loading)."""
    done = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
