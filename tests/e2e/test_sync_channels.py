"""Alert channels in sync against the real API and PostgreSQL (issue 6).

A channel made on one desktop reaches the cloud in its cloud form and the other desktop
without its secret; one made in the cloud reaches the desktops; deletes win by last
writer; kinds the cloud cannot send stay on their computer. For a cloud-checked monitor the
cloud fires the synced channels and the desktop stands aside: one alert per outage.

No channel secret is in any API or sync reply, the URL stays in the keyring, and the cloud
refuses an internal webhook address when the channel is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from desktop.runtime.events import Alerted
from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.services.channels import ChannelService
from desktop.storage.monitors import MonitorRepository
from shared.monitor import MonitorSpec
from shared.netguard import NetGuard
from shared.status import Status
from sync_server.alerts.deliver import Deliverer
from sync_server.alerts.sender import AlertSender
from sync_server.db import libpq_url
from sync_server.worker.runner import CloudWorker
from tests.e2e.conftest import PASSWORD, Desktop
from tests.support.api_server import ApiServer
from tests.support.target import TargetServer
from tests.support.wait import until
from tests.support.webhook import WebhookReceiver

EMAIL = "carol@example.com"
HOOK_SECRET_PATH = "hooks/s3cr3t-path-0123456789"


def channels_of(desktop: Desktop) -> ChannelService:
    return ChannelService(desktop.db, SecretStore(desktop.keyring))


async def sign_both_in(api: ApiServer, a: Desktop, b: Desktop) -> None:
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await b.cloud.sign_in(EMAIL, PASSWORD, api.url)


@contextlib.asynccontextmanager
async def api_session(api: ApiServer) -> AsyncIterator[httpx.AsyncClient]:
    """The account's API, signed in as a browser-less client would be."""
    async with httpx.AsyncClient(base_url=api.url) as client:
        reply = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
        reply.raise_for_status()
        client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        yield client


def sql(api: ApiServer, statement: str, **params: object) -> None:
    with api.database() as engine, engine.begin() as conn:
        conn.execute(text(statement), params)


async def test_a_channel_made_on_a_desktop_reaches_the_cloud_and_the_other_desktop(
    api: ApiServer, desktops: list[Desktop], webhook: WebhookReceiver
) -> None:
    """The other desktop and the API see where it sends, never the secret path."""
    a, b = desktops
    shop = a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    channels_of(a).add("ops hook", webhook.apprise_url(HOOK_SECRET_PATH))
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    report = await b.cloud.sync()
    assert report.refused == []

    async with api_session(api) as client:
        reply = await client.get("/api/alert-channels")
    [cloud] = reply.json()
    assert (cloud["name"], cloud["type"]) == ("ops hook", "webhook")
    assert cloud["monitor_ids"] == [str(shop.id)]
    assert HOOK_SECRET_PATH not in reply.text

    [on_a] = channels_of(a).list()
    [on_b] = channels_of(b).list()
    assert on_a.sends_from == "this computer + cloud"
    assert (on_b.name, on_b.kind, on_b.sends_from) == ("ops hook", "webhook", "cloud")
    assert on_b.monitors == 1
    assert HOOK_SECRET_PATH not in on_b.target
    assert b.keyring.get_password("upwatch", channel_secret_key(on_b.id)) is None
    with pytest.raises(Exception, match="another device"):
        await channels_of(b).send_test("ops hook")


async def test_a_channel_made_in_the_cloud_appears_on_the_desktop_and_its_delete_too(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    a, b = desktops
    shop = a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    async with api_session(api) as client:
        made = await client.post(
            "/api/alert-channels",
            json={
                "name": "on call",
                "config": {"type": "email", "to": "oncall@example.com"},
                "monitor_ids": [str(shop.id)],
            },
        )
        assert made.status_code == 201, made.text
        await a.cloud.sync()
        [here] = channels_of(a).list()
        assert (here.name, here.kind, here.target, here.sends_from, here.monitors) == (
            "on call", "email", "oncall@example.com", "cloud", 1,
        )  # fmt: skip
        assert (await client.delete(f"/api/alert-channels/{made.json()['id']}")).status_code == 204
    await a.cloud.sync()
    assert channels_of(a).list() == []


async def test_a_delete_on_one_desktop_beats_an_older_link_change_on_the_other(
    api: ApiServer, desktops: list[Desktop], webhook: WebhookReceiver
) -> None:
    a, b = desktops
    first = a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    a.monitors.add(MonitorSpec(name="Blog", url="https://blog.example.com"))
    channels_of(a).add("hook", webhook.apprise_url(), monitor_refs=["Shop"])
    await sign_both_in(api, a, b)
    await a.cloud.sync()
    await b.cloud.sync()
    assert [(c.name, c.monitors) for c in channels_of(b).list()] == [("hook", 1)]
    channels_of(b).set_for_monitor(first.id, set())  # B unlinks first (older)...
    await asyncio.sleep(0.01)
    channels_of(a).remove("hook")  # ...A deletes later
    await b.cloud.sync()
    await a.cloud.sync()
    await b.cloud.sync()
    assert channels_of(a).list() == channels_of(b).list() == []
    async with api_session(api) as client:
        assert (await client.get("/api/alert-channels")).json() == []


async def test_channels_the_cloud_cannot_send_stay_on_their_computer(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """A: an internal address is refused by the cloud when the channel is saved."""
    a, b = desktops
    a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    service = channels_of(a)
    service.add("phone push", "ntfys://ntfy.example.com/alerts")
    service.add("with header", "json://hooks.example.com/in?+X-Token=abc")
    service.add("printer", "json://10.1.2.3/alert")
    await sign_both_in(api, a, b)
    report = await a.cloud.sync()
    assert [line.split(":")[0] for line in report.refused] == ["channel printer"]
    assert "private address" in report.refused[0]
    assert {c.name: c.sends_from for c in service.list()} == dict.fromkeys(
        ("phone push", "with header", "printer"), "this computer"
    )
    assert a.cloud.status()["pending"] == 0
    await b.cloud.sync()
    assert channels_of(b).list() == []
    again = await a.cloud.sync()
    assert again.refused == []  # said once, not at every sync


def cloud_state(api: ApiServer) -> object:
    with api.database() as engine, engine.connect() as conn:
        monitors = conn.execute(text("SELECT cloud, next_check_at, state FROM monitors")).all()
        outbox = conn.execute(text("SELECT status, last_error FROM alert_outbox")).all()
        checks = conn.execute(text("SELECT status, error FROM checks WHERE source = 'cloud'"))
        return monitors, outbox, checks.all()


async def test_asking_for_cloud_checks_on_the_free_plan_is_refused_and_undone(
    api: ApiServer, desktops: list[Desktop]
) -> None:
    """The desktop must not stand aside for a monitor the cloud will never check."""
    a, _ = desktops
    a.monitors.add(MonitorSpec(name="Shop", url="https://shop.example.com"))
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    await a.cloud.sync()
    a.monitors.set_cloud("Shop", True)
    report = await a.cloud.sync()
    assert len(report.refused) == 1
    assert report.refused[0].startswith("Shop: ")
    assert "free plan" in report.refused[0]
    [summary] = a.monitors.summaries()
    assert summary.cloud is False
    await a.cloud.sync()  # the undone flag is what the server keeps
    assert a.cloud.status()["pending"] == 0


async def test_an_outage_of_a_cloud_checked_monitor_alerts_once_per_channel(
    api: ApiServer,
    desktops: list[Desktop],
    target: TargetServer,
    switch_name: str,
    webhook: WebhookReceiver,
) -> None:
    """The cloud fires the synced channel; the desktop shows its own
    notification only, and still alerts through a channel only it has."""
    a, _ = desktops
    target.set_switch(switch_name, status=503)
    spec = MonitorSpec(
        name="Shop", url=target.switch_url(switch_name), interval=60, timeout=5, confirmations=1
    )
    shop = a.monitors.add(spec)
    channels_of(a).add("team hook", webhook.apprise_url("team"))
    channels_of(a).add("my hook", f"json://localhost:{webhook.port}/mine")
    await a.cloud.sign_up(EMAIL, PASSWORD, api.url)
    report = await a.cloud.sync()
    assert "channel my hook" in " ".join(report.refused)  # localhost: this computer only
    sql(api, "UPDATE users SET plan = 'starter' WHERE email = :email", email=EMAIL)
    a.monitors.set_cloud("Shop", True)  # the edit dialog's "Also check it from Upwatch Cloud"
    await a.cloud.sync()
    with a.db.reader() as session:
        assert MonitorRepository(session).find("Shop").cloud  # the desktop knows now

    popups: list[str] = []
    monitoring = Monitoring(a.db, secrets=SecretStore(a.keyring), route_check=lambda: True)
    monitoring.subscribe(
        lambda event: popups.append(event.message.title) if isinstance(event, Alerted) else None
    )
    guard = NetGuard(["127.0.0.0/8"])
    conninfo = libpq_url(api.settings.database_url)
    worker = CloudWorker(conninfo, guard=guard)
    sender = AlertSender(
        conninfo, Deliverer(guard, None), api.settings.config_sealer, name="sender"
    )
    stop = asyncio.Event()
    parts = [asyncio.ensure_future(p.run(stop)) for p in (worker, sender)]
    sql(api, "UPDATE monitors SET next_check_at = now()")  # due now, not a phase later
    await monitoring.start()
    try:
        await until(lambda: monitoring.states[shop.id].status == Status.DOWN, timeout=20)
        await until(
            lambda: webhook.count("/team") >= 1 and webhook.count("/mine") >= 1,
            timeout=20,
            state=lambda: (webhook.received, cloud_state(api)),
        )
        await asyncio.sleep(1.5)  # anything more would have arrived by now
    finally:
        stop.set()
        await asyncio.gather(*parts)
        await monitoring.stop()
    team = [r for r in webhook.received if r.path == "/team"]
    mine = [r for r in webhook.received if r.path == "/mine"]
    assert len(team) == 1, [r.json for r in team]
    assert team[0].json is not None
    assert team[0].json["event"] == "down"  # the cloud's webhook
    assert len(mine) == 1
    assert mine[0].json is not None
    assert mine[0].json["title"] == "Shop is down"  # sent by this computer (Apprise)
    assert popups == ["Shop is down"]
