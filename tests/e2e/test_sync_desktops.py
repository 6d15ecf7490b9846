"""Two desktops of one account against the real API and PostgreSQL (issue 6's scenarios).

A revoked session (a reused refresh token, a sign-out) reaches the desktop: it signs out and
keeps local data. A lost reply: the retry stores nothing twice. A reset mid-upload stores no
partial batch. A week offline loses nothing. The refresh token stays in the keyring only.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from desktop.errors import CloudUnreachable, NotSignedIn, SignInFailed
from desktop.secrets.store import SecretStore
from desktop.services.cloud import REFRESH_KEY, CloudService
from desktop.storage.writer import Outcome, write_outcomes
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.status import Status
from tests.e2e.conftest import PASSWORD, Desktop
from tests.support.api_server import ApiServer
from tests.support.cutting_proxy import CuttingProxy
from tests.support.personas import ALICE_EMAIL

EMAIL = ALICE_EMAIL


async def sign_both_in(api: ApiServer, a: Desktop, b: Desktop) -> None:
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await b.cloud.sign_in(EMAIL, PASSWORD, api.url)


def spec(name: str) -> MonitorSpec:
    return MonitorSpec(name=name, url=f"https://{name.lower()}.example.com", interval=60)


async def shop_on_both(api: ApiServer, a: Desktop, b: Desktop) -> MonitorSpec:
    """The monitor "Shop" made on A, then synced to B with both signed in."""
    made = a.monitors.add(spec("Shop"))
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    await b.cloud.sync()
    return made


def server_rows(api: ApiServer, sql: str) -> int:
    with api.database() as engine, engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


async def test_a_monitor_made_on_either_desktop_appears_on_the_other(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    a.monitors.add(spec("Shop"))
    b.monitors.add(spec("Blog"))
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    report = await b.cloud.sync()
    assert (report.pushed, report.pulled) == (1, 1)
    await a.cloud.sync()
    assert (
        a.urls()
        == b.urls()
        == {"Shop": "https://shop.example.com", "Blog": "https://blog.example.com"}
    )
    assert a.cloud.status()["pending"] == b.cloud.status()["pending"] == 0


async def test_concurrent_edits_converge_on_the_later_one(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    made = await shop_on_both(api, a, b)
    # both edit offline; B's edit is the later one
    a.monitors.edit(str(made.id), {"url": "https://a-edit.example.com"})
    b.monitors.edit(str(made.id), {"url": "https://b-edit.example.com"})
    await a.cloud.sync()  # A's edit reaches the server first...
    await b.cloud.sync()  # ...and B's later edit replaces it
    await a.cloud.sync()
    assert a.urls() == b.urls() == {"Shop": "https://b-edit.example.com"}
    # the other order: A edits later but syncs last
    b.monitors.edit(str(made.id), {"url": "https://b-again.example.com"})
    a.monitors.edit(str(made.id), {"url": "https://a-again.example.com"})
    await b.cloud.sync()
    await a.cloud.sync()
    await b.cloud.sync()
    assert a.urls() == b.urls() == {"Shop": "https://a-again.example.com"}


async def test_a_delete_beats_an_older_edit_from_the_other_side(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    made = await shop_on_both(api, a, b)
    b.monitors.edit(str(made.id), {"name": "Shop (edited)"})  # older...
    a.monitors.remove(str(made.id))  # ...than this delete
    await a.cloud.sync()
    report = await b.cloud.sync()
    assert report.pushed == 0  # the server kept the delete
    assert a.urls() == b.urls() == {}
    assert b.cloud.status()["pending"] == 0


async def test_an_edit_after_a_delete_brings_the_monitor_back(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    made = await shop_on_both(api, a, b)
    a.monitors.remove(str(made.id))
    b.monitors.edit(str(made.id), {"name": "Still needed"})  # later than the delete
    await a.cloud.sync()
    await b.cloud.sync()
    await a.cloud.sync()
    assert a.urls() == b.urls() == {"Still needed": "https://shop.example.com"}


def write_week_of_results(path: str, monitor_ids: list[uuid.UUID], start: datetime) -> int:
    """A week offline: one check a minute per monitor, committed in batches by the writer's code."""
    conn = sqlite3.connect(path, isolation_level=None)
    pks = dict(conn.execute("SELECT id, pk FROM monitors").fetchall())
    outcomes = [
        Outcome(
            monitor_pk=pks[str(monitor_id)],
            result=CheckResult(
                monitor_id=monitor_id,
                status=Status.DOWN if minute % 97 == 0 else Status.UP,
                checked_at=start + timedelta(minutes=minute),
                status_code=500 if minute % 97 == 0 else 200,
                response_time_ms=20 + minute % 50,
            ),
            state=None,
        )
        for minute in range(7 * 24 * 60)
        for monitor_id in monitor_ids
    ]
    for first in range(0, len(outcomes), 2000):
        conn.execute("BEGIN IMMEDIATE")
        write_outcomes(conn, outcomes[first : first + 2000])
        conn.execute("COMMIT")
    conn.close()
    return len(outcomes)


async def test_a_week_offline_syncs_with_nothing_lost_or_duplicated(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    ids = [a.monitors.add(spec(name)).id for name in ("Shop", "Blog", "Api")]
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await a.cloud.sync()
    # the laptop goes offline for a week (simulated clock): checks pile up locally
    back = datetime.now(UTC).replace(microsecond=0)
    written = write_week_of_results(str(a.db.path), ids, back - timedelta(days=7))
    assert written == 30240
    report = await a.cloud.sync(now=back)
    assert report.results_pushed == written
    assert server_rows(api, "SELECT count(*) FROM checks WHERE source = 'local'") == written
    assert server_rows(api, "SELECT count(DISTINCT id) FROM checks") == written
    # rollups counted each result once
    assert (
        server_rows(api, "SELECT sum(up + down) FROM rollups_daily WHERE source = 'local'")
        == written
    )
    again = await a.cloud.sync(now=back)
    assert again.results_pushed == 0


@contextlib.asynccontextmanager
async def a_week_offline_behind_a_proxy(
    api: ApiServer, desktop: Desktop
) -> AsyncIterator[tuple[CuttingProxy, int]]:
    """A proxy to api, stopped on the way out; desktop signed up through it with one monitor
    and synced, then a week of local results piled up: the proxy and how many results."""
    proxy = CuttingProxy(api.port).start()
    try:
        ids = [desktop.monitors.add(spec("Shop")).id]
        await desktop.cloud.sign_up(EMAIL, PASSWORD, proxy.url)
        await desktop.cloud.sync()
        since = datetime.now(UTC) - timedelta(days=7)
        yield proxy, write_week_of_results(str(desktop.db.path), ids, since)
    finally:
        proxy.stop()


async def test_a_connection_cut_mid_push_retries_without_duplicates(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    async with a_week_offline_behind_a_proxy(api, a) as (proxy, written):
        # the server takes each big push, then the answer is lost on the way back
        proxy.after_bytes = 100_000
        for _ in range(2):
            proxy.cut_replies = 1
            with pytest.raises(CloudUnreachable):
                await a.cloud.sync()
        assert proxy.cuts == 2
        assert "cannot reach" in str(a.cloud.status()["last_error"])
        report = await a.cloud.sync()
    assert server_rows(api, "SELECT count(*) FROM checks") == written
    assert report.results_pushed < written  # the server had some from the cut attempts
    assert server_rows(api, "SELECT sum(up + down) FROM rollups_daily") == written
    assert a.cloud.status()["last_error"] is None


async def test_a_revoked_session_signs_the_desktop_out_and_keeps_local_data(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """A password change elsewhere revokes every session; the desktop says so."""
    a, b = desktops
    a.monitors.add(spec("Shop"))
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await a.cloud.sync()
    async with httpx.AsyncClient(base_url=api.url) as web:
        token = (
            await web.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
        ).json()
        changed = await web.post(
            "/api/auth/password",
            json={"current_password": PASSWORD, "new_password": "a brand new password"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert changed.status_code == 204
    await a.cloud.aclose()  # a new process: only the refresh token in the keyring remains
    with pytest.raises(NotSignedIn, match="session has ended"):
        await a.cloud.sync()
    assert a.keyring.get_password("upwatch", REFRESH_KEY) is None
    assert a.urls() == {"Shop": "https://shop.example.com"}
    with pytest.raises(NotSignedIn):
        await a.cloud.whoami()
    with pytest.raises(SignInFailed):
        await b.cloud.sign_in(EMAIL, PASSWORD, api.url)
    await b.cloud.sign_in(EMAIL, "a brand new password", api.url)


async def test_the_refresh_token_is_kept_in_the_keyring_and_rotated(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """The refresh token only in the keyring, small, gone after sign-out."""
    a, _ = desktops
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    first = a.keyring.get_password("upwatch", REFRESH_KEY)
    assert first
    await a.cloud.aclose()
    await a.cloud.sync()  # a fresh client refreshes silently, and the token rotates
    second = a.keyring.get_password("upwatch", REFRESH_KEY)
    assert second
    assert second != first
    assert len(second) < 1000  # fits a Windows credential blob
    # no token or password anywhere in the database files (WAL and SHM included)
    files = [p for p in a.db.path.parent.iterdir() if p.name.startswith(a.db.path.name)]
    raw = b"".join(p.read_bytes() for p in files)
    for secret in (first, second, PASSWORD):
        assert secret.encode() not in raw
    # signing out removes the keyring entry; signing out again is harmless
    await a.cloud.sign_out()
    assert a.keyring.get_password("upwatch", REFRESH_KEY) is None
    await a.cloud.sign_out()


async def test_an_unreachable_server_gets_a_clear_message(desktops: list[Desktop]) -> None:
    a, _ = desktops
    with pytest.raises(
        CloudUnreachable, match=r"cannot reach Upwatch Cloud at http://127\.0\.0\.1:9"
    ):
        await a.cloud.sign_in(EMAIL, PASSWORD, "http://127.0.0.1:9")


def checked_here(
    desktop: Desktop,
    monitor_id: uuid.UUID,
    checks: list[tuple[Status, datetime]],
    holds: Status | None = None,
) -> None:
    """This computer checked the monitor at these times (and its runner holds it as holds)."""
    with sqlite3.connect(desktop.db.path, isolation_level=None) as conn:
        (pk,) = conn.execute("SELECT pk FROM monitors WHERE id = ?", (str(monitor_id),)).fetchone()
        outcomes = [
            Outcome(pk, CheckResult(monitor_id, status, at, response_time_ms=30), None)
            for status, at in checks
        ]
        conn.execute("BEGIN IMMEDIATE")
        write_outcomes(conn, outcomes)
        if holds is not None:
            conn.execute("UPDATE monitors SET status = ? WHERE pk = ?", (holds.value, pk))
        conn.execute("COMMIT")
    conn.close()


def cloud_result(api: ApiServer, monitor_id: uuid.UUID, status: str, at: datetime) -> None:
    """A result as a cloud worker writes it."""
    with api.database() as engine, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO checks (id, monitor_id, status, checked_at, source)"
                 " VALUES (:id, :m, :s, :at, 'cloud')"),
            {"id": uuid.uuid4(), "m": monitor_id, "s": status, "at": at},
        )  # fmt: skip


async def test_the_desktop_tells_down_from_here_only_from_down_everywhere(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    made = a.monitors.add(spec("Shop"))
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await a.cloud.sync()
    now = datetime.now(UTC)
    checked_here(a, made.id, [(Status.DOWN, now - timedelta(seconds=30))], holds=Status.DOWN)
    cloud_result(api, made.id, "up", now - timedelta(seconds=40))
    report = await a.cloud.sync()
    assert report.results_pulled == 1
    (row,) = a.monitors.summaries()
    assert row.cloud_status == Status.UP
    assert row.where_down() == "down from here only"
    assert a.monitors.detail(made.id).where_down == "down from here only"
    cloud_result(api, made.id, "down", now - timedelta(seconds=10))
    await a.cloud.sync()
    assert a.monitors.summaries()[0].where_down() == "down everywhere"
    # recovered here, still down from the cloud
    checked_here(a, made.id, [(Status.UP, now - timedelta(seconds=5))], holds=Status.UP)
    assert a.monitors.summaries()[0].where_down() == "down from the cloud only"


async def test_two_processes_refreshing_at_once_do_not_end_the_session(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """Concurrent refreshes, desktop side: the tray app and `upwatch sync` share one refresh
    token; refreshing it twice at once would look like theft and revoke the session."""
    a, _ = desktops
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    for _ in range(5):
        processes = [CloudService(a.db, SecretStore(a.keyring)) for _ in range(3)]
        try:  # each starts with only the keyring's token, as a new process does
            accounts = await asyncio.gather(*(p.whoami() for p in processes))
        finally:
            for process in processes:
                await process.aclose()
        assert {account["email"] for account in accounts} == {EMAIL}
    assert a.keyring.get_password("upwatch", REFRESH_KEY) is not None


async def settled_count(api: ApiServer) -> int:
    """The server's check count once it stops changing (0.5 s without change)."""
    previous = -1
    for _ in range(40):
        count = server_rows(api, "SELECT count(*) FROM checks")
        if count == previous:
            return count
        previous = count
        await asyncio.sleep(0.5)
    raise AssertionError("the server kept storing checks")


async def test_a_push_cut_in_the_middle_of_its_body_stores_nothing_until_the_retry(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """A connection reset mid-upload leaves no partial batch; the retry stores it all."""
    a, _ = desktops
    async with a_week_offline_behind_a_proxy(api, a) as (proxy, written):
        proxy.cut_uploads, proxy.after_bytes = 1, 200_000  # half of a 5,000-result push
        with pytest.raises(CloudUnreachable):
            await a.cloud.sync()
        assert proxy.cuts == 1
        # the other push in flight may still be finishing on the server: let it settle
        stored_after_cut = await settled_count(api)
        assert stored_after_cut % 5000 == 0  # whole batches only: nothing half-stored
        assert stored_after_cut < written
        report = await a.cloud.sync()
    assert server_rows(api, "SELECT count(*) FROM checks") == written
    assert report.results_pushed == written - stored_after_cut
