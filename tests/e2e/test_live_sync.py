"""The sync a running app does, started as a new process starts it (real API).

A process that starts signed in has a refresh token but no access token: the sync loop and
the change socket then both need one at the same moment. These tests start every loop from
a fresh CloudService over the desktop's files, as `upwatch run` and the tray app do.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from desktop.errors import CloudRefused
from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore
from desktop.services.cloud import REFRESH_KEY, CloudService
from desktop.services.cloud_session import SessionState
from desktop.services.monitors import MonitorService
from desktop.services.sync_loop import SyncLoop, SyncStatus
from shared.monitor import MonitorSpec
from tests.e2e.conftest import PASSWORD, Desktop, until
from tests.support.api_server import ApiServer


class CountingTransport(httpx.AsyncBaseTransport):
    """The real network, counting the requests to each path."""

    def __init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        await self._real.aclose()


def restarted(desktop: Desktop, transport: httpx.AsyncBaseTransport | None = None) -> CloudService:
    """The cloud link a new process makes over this desktop's database and keyring."""
    return CloudService(desktop.db, SecretStore(desktop.keyring), transport=transport)


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)


@contextlib.asynccontextmanager
async def two_runners(
    api: ApiServer, a: Desktop, b: Desktop, *, change_poll: float = 2.0
) -> AsyncIterator[list[SyncLoop]]:
    """A and B signed in to one account, each syncing as a freshly started runner does."""
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    await b.cloud.sign_in("al@example.com", PASSWORD, api.url)
    clouds = [restarted(a), restarted(b)]
    loops = [SyncLoop(cloud, period=3600, change_poll=change_poll) for cloud in clouds]
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        yield loops
    finally:
        await stop(tasks)
        for cloud in clouds:
            await cloud.aclose()


async def test_a_new_process_refreshes_once_for_the_sync_and_the_socket(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    transport = CountingTransport()
    cloud = restarted(a, transport)
    seen: list[SyncStatus] = []
    syncing = SyncLoop(cloud, period=3600, on_status=seen.append)
    task = asyncio.create_task(syncing.run())
    try:
        await until(
            lambda: seen and syncing.listener is not None and syncing.listener.connected.is_set(),
            "a first sync and the change socket connected",
        )
        # a second socket connection later uses the token it has, not a new refresh
        token = await cloud.socket_token()
        assert token is not None
    finally:
        await stop([task])
        await cloud.aclose()
    assert seen[-1].error is None, seen[-1].error
    assert (seen[-1].signed_in, seen[-1].pending) == (True, 0)
    assert transport.paths.count("/api/auth/refresh") == 1
    assert "/api/sync/push" in transport.paths
    # the session is still good: another process of this desktop can use it
    again = restarted(a)
    try:
        assert (await again.whoami())["email"] == "al@example.com"
    finally:
        await again.aclose()


async def test_a_change_made_by_another_process_is_pushed_within_seconds(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    async with two_runners(api, a, b) as loops:
        await until(
            lambda: all(x.listener is not None and x.listener.connected.is_set() for x in loops),
            "both change sockets connected",
        )
        # `upwatch add` in a terminal while the runner runs: its own process, nobody kicks
        MonitorService(a.db).add(MonitorSpec(name="Blog", url="https://blog.example.com"))
        await until(lambda: "Blog" in b.urls(), "B has A's new monitor", timeout=8.0)


async def test_a_runner_told_of_configuration_changes_pushes_another_process_change_without_polling(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    runner = restarted(a)
    monitoring = Monitoring(a.db, secrets=SecretStore(a.keyring), route_check=lambda: True)
    # as `upwatch run` wires it; no poll that could find the change on its own
    syncing = SyncLoop(runner, period=3600, change_poll=3600)
    syncing.follow(monitoring.subscribe)
    await monitoring.start()
    task = asyncio.create_task(syncing.run())
    try:
        await until(lambda: syncing.runs >= 1 and not syncing.syncing, "A's first sync")
        # `upwatch add` in a terminal: Monitoring reads it, and the loop looks at once
        MonitorService(a.db).add(MonitorSpec(name="Blog", url="http://127.0.0.1:9/"))
        await until(lambda: a.cloud.status()["pending"] == 0, "A pushed Blog", timeout=4.0)
    finally:
        await stop([task])
        await monitoring.stop()
        await runner.aclose()
    await b.cloud.sign_in("al@example.com", PASSWORD, api.url)
    await b.cloud.sync()
    assert "Blog" in b.urls()


async def test_a_session_the_server_ended_is_reported_once_and_kept_for_whoami(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    await a.cloud.aclose()
    token = a.keyring.get_password("upwatch", REFRESH_KEY)
    assert token is not None
    # someone else uses this refresh token first: the server sees a reuse and ends it all
    async with httpx.AsyncClient(base_url=api.url) as http:
        assert (await http.post("/api/auth/refresh", json={"refresh_token": token})).is_success
    cloud = restarted(a)
    seen: list[SyncStatus] = []
    syncing = SyncLoop(cloud, period=3600, on_status=seen.append)
    try:
        await syncing.run_once()
        await syncing.run_once()
    finally:
        await cloud.aclose()
    assert [s.signed_in for s in seen] == [False, False]
    assert cloud.session.state is SessionState.SESSION_ENDED
    assert seen[0].error is not None
    assert "session has ended" in seen[0].error
    assert seen[1].error is None  # said once; the stored status keeps it
    status = a.cloud.status()
    assert status["email"] is None
    assert "sign in again with `upwatch login`" in str(status["last_error"])
    # signing in again clears it
    await a.cloud.sign_in("al@example.com", PASSWORD, api.url)
    assert a.cloud.status()["last_error"] is None


async def test_billing_on_a_server_without_stripe_says_what_the_server_said(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    with pytest.raises(CloudRefused) as refused:
        await a.cloud.checkout_url("pro")
    assert "billing is not configured" in refused.value.message
    assert "retrying" not in refused.value.message


async def test_a_change_made_just_after_a_sync_is_not_left_for_the_next_period(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    other_process = MonitorService(a.db)
    async with two_runners(api, a, b, change_poll=1.0) as loops:
        await until(lambda: loops[0].runs >= 1 and not loops[0].syncing, "A's first sync")
        other_process.add(MonitorSpec(name="One", url="https://one.example.com"))
        await until(lambda: a.cloud.status()["pending"] == 0, "A pushed One")
        # within the same poll: the count of waiting changes is what it was a second ago
        other_process.add(MonitorSpec(name="Two", url="https://two.example.com"))
        await until(lambda: "Two" in b.urls(), "B has Two", timeout=6.0)


async def test_a_running_loop_signed_out_syncs_as_soon_as_a_terminal_signs_in(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    runner = restarted(a)
    seen: list[SyncStatus] = []
    syncing = SyncLoop(runner, period=3600, change_poll=0.5, on_status=seen.append)
    task = asyncio.create_task(syncing.run())
    try:
        await until(lambda: seen, "a first run")
        assert not seen[-1].signed_in
        await a.cloud.sign_up("al@example.com", PASSWORD, api.url)  # `upwatch signup`
        await until(lambda: seen[-1].signed_in and seen[-1].pending == 0, "synced", timeout=5)
    finally:
        await stop([task])
        await runner.aclose()
