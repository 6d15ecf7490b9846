"""SyncLoop: periodic sync, kicks, and backoff with jitter after failures (real API)."""

from __future__ import annotations

import asyncio
import random

from desktop.services.sync_loop import MAX_RETRY_S, SyncLoop, SyncStatus, retry_delay
from shared.monitor import MonitorSpec
from tests.e2e.conftest import PASSWORD, Desktop, until
from tests.support.api_server import ApiServer
from tests.support.cutting_proxy import CuttingProxy


def test_retry_delays_double_with_jitter_up_to_ten_minutes() -> None:
    rng = random.Random(7)
    for failures, ceiling in ((1, 5), (2, 10), (3, 20), (8, 600), (30, MAX_RETRY_S)):
        delays = [retry_delay(failures, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays)
        assert max(delays) <= ceiling
        assert len({round(d, 3) for d in delays}) > 100  # spread, not one value


async def test_a_change_reaches_the_other_desktop_through_the_change_socket(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    await a.cloud.sign_up("al@example.com", PASSWORD, api.url)
    await b.cloud.sign_in("al@example.com", PASSWORD, api.url)
    seen: list[SyncStatus] = []
    loop_a = SyncLoop(a.cloud, period=3600, on_status=seen.append)
    loop_b = SyncLoop(b.cloud, period=3600)
    tasks = [asyncio.create_task(loop_a.run()), asyncio.create_task(loop_b.run())]
    try:
        await until(
            lambda: loop_a.runs >= 1 and loop_b.listener is not None
            and loop_b.listener.connected.is_set(),
            "B's change socket connected",
        )  # fmt: skip
        runs_of_b = loop_b.runs
        a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
        loop_a.kick()
        await until(lambda: a.cloud.status()["pending"] == 0, "A pushed its monitor")
        # B is not kicked here: the server's announcement wakes it (polling is hourly)
        # B's catch-up run after its socket connected may still be running and pull the
        # monitor itself; only a further run (nothing but the announcement starts one)
        # shows the socket woke B
        await until(
            lambda: bool(b.urls()) and loop_b.runs > runs_of_b, "B pulled the monitor and finished"
        )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)
    assert b.urls() == {"Shop": "https://shop.example.com"}
    assert loop_b.runs > runs_of_b
    assert seen[-1].signed_in
    assert seen[-1].error is None
    assert seen[-1].last_sync_at is not None


async def test_failures_back_off_and_a_recovery_resets_the_count(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, _ = desktops
    proxy = CuttingProxy(api.port).start()
    try:
        await a.cloud.sign_up("al@example.com", PASSWORD, proxy.url)
        seen: list[SyncStatus] = []
        syncing = SyncLoop(a.cloud, period=60, on_status=seen.append, rng=random.Random(1))
        proxy.cut_replies = 2
        first = await syncing.run_once()
        second = await syncing.run_once()
        assert (syncing.failures, 2.5 <= first <= 5, 5 <= second <= 10) == (2, True, True)
        assert seen[-1].error is not None
        assert "cannot reach" in seen[-1].error
        assert await syncing.run_once() == 60
        assert (syncing.failures, seen[-1].error) == (0, None)
    finally:
        proxy.stop()


async def test_signed_out_the_loop_idles_quietly(desktops: list[Desktop]) -> None:
    a, _ = desktops
    seen: list[SyncStatus] = []
    syncing = SyncLoop(a.cloud, period=60, on_status=seen.append)
    assert await syncing.run_once() == 60
    assert (seen[-1].signed_in, syncing.failures) == (False, 0)
