"""Share on a status page from the desktop, against the real API (issue 8): the page shows
what the desktop pushed (free plan), and only the monitors that were shared."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from desktop.errors import CloudRefused, InvalidInput, NotSignedIn
from desktop.services.sharing import ShareService
from desktop.storage.writer import Outcome, write_outcomes
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.status import Status
from tests.e2e.conftest import PASSWORD, Desktop
from tests.support.api_server import ApiServer
from tests.support.personas import ALICE_EMAIL


def add_checked(desktop: Desktop, name: str, minutes: int = 10) -> str:
    """A monitor with a result a minute for the last minutes, all up, in the desktop's file."""
    made = desktop.monitors.add(
        MonitorSpec(name=name, url=f"https://{name.lower()}.example.com", interval=60)
    )
    conn = sqlite3.connect(desktop.db.path, isolation_level=None)
    (pk,) = conn.execute("SELECT pk FROM monitors WHERE id = ?", (str(made.id),)).fetchone()
    now = datetime.now(UTC)
    outcomes = [
        Outcome(monitor_pk=pk, state=None, result=CheckResult(
            monitor_id=made.id, status=Status.UP, checked_at=now - timedelta(minutes=m),
            status_code=200, response_time_ms=40 + m))
        for m in range(minutes)
    ]  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    write_outcomes(conn, outcomes)
    conn.execute("COMMIT")
    conn.close()
    return str(made.id)


async def test_a_shared_monitor_shows_its_desktop_results_to_anyone_with_the_link(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    shop, blog = add_checked(a, "Shop"), add_checked(a, "Blog")
    await a.cloud.sign_up(ALICE_EMAIL, PASSWORD, api.url)
    sharing = ShareService(a.cloud, a.monitors)

    page = await sharing.share(["Shop"])  # by name, before any sync: sharing syncs first
    assert page.url == f"{api.settings.public_origin}/s/{page.slug}"
    assert page.slug.startswith("shop-")
    assert [str(m) for m in page.monitor_ids] == [shop]
    async with httpx.AsyncClient(base_url=api.url) as visitor:
        shown = (await visitor.get(f"/api/public/status-pages/{page.slug}")).json()
        (monitor,) = shown["monitors"]
        assert (monitor["name"], monitor["status"], monitor["source"]) == ("Shop", "up", "local")
        assert monitor["uptime"]["24h"] == 100.0
        assert shown["label"] == "All systems operational"
        assert "Shop" in (await visitor.get(f"/s/{page.slug}")).text

        again = await sharing.share([blog[:8]], title="Alice's services")  # an id's start
        assert (again.id, again.title) == (page.id, "Alice's services")
        assert [str(m) for m in again.monitor_ids] == [shop, blog]

        changed = await sharing.unshare(["Shop"])
        assert [[str(m) for m in p.monitor_ids] for p in changed] == [[blog]]
        assert (await visitor.get(f"/api/public/status/{shop}")).status_code == 404
        assert (await visitor.get(f"/api/public/status/{blog}")).status_code == 200
    assert [p.slug for p in await sharing.pages()] == [page.slug]


async def test_sharing_tells_what_is_wrong(api: ApiServer, desktops: list[Desktop]) -> None:
    a, _ = desktops
    add_checked(a, "Shop", minutes=1)
    sharing = ShareService(a.cloud, a.monitors)
    with pytest.raises(NotSignedIn):
        await sharing.share(["Shop"])
    await a.cloud.sign_up(ALICE_EMAIL, PASSWORD, api.url)
    with pytest.raises(InvalidInput, match="slug"):
        await sharing.share(["Shop"], slug="Not A Slug")
    await sharing.share(["Shop"], slug="alice-shop")
    with pytest.raises(CloudRefused, match="free plan has 1 status page"):
        await sharing.share(["Shop"], slug="another-page")


async def test_an_outage_seen_by_the_desktop_is_listed_on_its_public_page(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """Monitors the cloud does not check: the page's incidents are the ones the desktop saw,
    with a public cause (the error's host name stays private)."""
    a, _ = desktops
    shop = add_checked(a, "Shop")
    started = datetime.now(UTC) - timedelta(hours=3)
    conn = sqlite3.connect(a.db.path, isolation_level=None)
    (pk,) = conn.execute("SELECT pk FROM monitors WHERE id = ?", (shop,)).fetchone()
    conn.execute(
        "INSERT INTO incidents (id, monitor_pk, source, started_at, ended_at, first_error)"
        " VALUES (?, ?, 0, ?, ?, ?)",
        (str(uuid.uuid4()), pk, started.isoformat(),
         (started + timedelta(minutes=12)).isoformat(), "DNS lookup failed for shop.internal"),
    )  # fmt: skip
    conn.close()
    await a.cloud.sign_up(ALICE_EMAIL, PASSWORD, api.url)
    page = await ShareService(a.cloud, a.monitors).share(["Shop"])
    async with httpx.AsyncClient(base_url=api.url) as visitor:
        shown = (await visitor.get(f"/api/public/status-pages/{page.slug}")).json()
        html = (await visitor.get(f"/s/{page.slug}")).text
    (outage,) = shown["incidents"]
    assert (outage["monitor_name"], outage["cause"], outage["duration_s"]) == (
        "Shop", "DNS failure", 720,
    )  # fmt: skip
    assert "down for 12 min" in html
    assert "shop.internal" not in html
