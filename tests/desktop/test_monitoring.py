"""The monitoring pipeline end to end: a real site goes down, alerts reach real channels."""

import asyncio
import re
import time
from collections.abc import Iterator

import pytest

from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore
from desktop.services.channels import ChannelService
from desktop.services.monitors import MonitorService
from desktop.storage.connection import connect
from desktop.storage.database import Database
from desktop.storage.history import incidents
from desktop.storage.monitors import MonitorRepository
from shared.monitor import MonitorSpec
from shared.status import Status
from tests.support.smtp import SmtpSink
from tests.support.target import TargetServer
from tests.support.wait import until
from tests.support.webhook import WebhookReceiver


async def check(monitoring: Monitoring, spec: MonitorSpec, runs_before: int) -> None:
    """Run a check now (as "Check now" does) and wait until its outcome is recorded."""
    scheduler = monitoring.scheduler
    await until(lambda: scheduler.check_now(spec.id))
    await until(lambda: scheduler.stats.started > runs_before)
    await until(lambda: not scheduler._entries[spec.id].running)


@pytest.fixture
def in_india(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This computer's clock set to India's time (no daylight saving: always IST)."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_a_site_that_fails_alerts_once_and_recovers(
    in_india: None,
    db: Database,
    running: Monitoring,
    target: TargetServer,
    switch_name: str,
    webhook: WebhookReceiver,
    smtp_sink: SmtpSink,
) -> None:
    spec = MonitorService(db).add(
        MonitorSpec(name="Shop", url=target.switch_url(switch_name), interval=300, timeout=5)
    )
    channels = ChannelService(db, SecretStore())
    channels.add("hook", webhook.apprise_url())
    channels.add("mail", smtp_sink.apprise_url(to="ops@example.test"))
    await running.start()
    await until(lambda: running.scheduler.stats.started >= 1)
    await until(lambda: running.states[spec.id].status == Status.UP)

    target.set_switch(switch_name, status=500)
    await check(running, spec, running.scheduler.stats.started)
    assert running.states[spec.id].status == Status.UP  # one failure is not confirmed
    assert running.states[spec.id].needs_recheck
    await check(running, spec, running.scheduler.stats.started)
    assert running.states[spec.id].status == Status.DOWN

    [down] = await webhook.wait_for_async(1)
    assert down.json is not None
    assert down.json["title"] == "Shop is down"
    assert "expected 200-299, got 500" in down.json["message"]
    assert re.search(r"Since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d IST", down.json["message"])
    [mail] = await smtp_sink.wait_for_async(1)
    assert mail.subject == "Shop is down"

    await check(running, spec, running.scheduler.stats.started)  # still down: no new alert
    target.set_switch(switch_name, status=200)
    await check(running, spec, running.scheduler.stats.started)
    assert running.states[spec.id].status == Status.UP
    received = await webhook.wait_for_async(2)
    assert received[1].json is not None
    assert received[1].json["title"] == "Shop is up again"
    assert "Down for" in received[1].json["message"]
    await asyncio.sleep(0.3)
    assert len(webhook.received) == 2

    assert await asyncio.wrap_future(running.writer.flush())
    conn = connect(db.path)
    with db.reader() as session:
        pk = MonitorRepository(session).find("Shop").pk
    assert pk is not None
    [incident] = incidents(conn, pk)
    assert incident.ended_at is not None
    assert incident.first_error == "expected 200-299, got 500"
    deliveries = conn.execute("SELECT event, ok FROM deliveries ORDER BY pk").fetchall()
    assert sorted(deliveries) == [("down", 1), ("down", 1), ("up", 1), ("up", 1)]
    conn.close()


async def test_monitors_added_while_running_are_picked_up(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    await running.start()
    assert running.scheduler.monitor_count == 0
    MonitorService(db).add(MonitorSpec(url=target.url("status/200"), interval=60))
    await until(lambda: running.scheduler.monitor_count == 1, timeout=10)


async def test_a_paused_monitor_is_dropped_and_a_removed_one_too(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    service = MonitorService(db)
    first = service.add(MonitorSpec(name="one", url=target.url("status/200"), interval=60))
    service.add(MonitorSpec(name="two", url=target.url("status/200"), interval=60))
    await running.start()
    assert running.scheduler.monitor_count == 2
    service.set_active("one", False)
    await until(lambda: running.scheduler.monitor_count == 1, timeout=10)
    assert first.id not in running.states
    service.remove("two")
    await until(lambda: running.scheduler.monitor_count == 0, timeout=10)


async def test_stopping_saves_every_result(db: Database, target: TargetServer) -> None:
    service = MonitorService(db)
    for index in range(20):
        service.add(MonitorSpec(name=f"m{index}", url=target.url("status/200"), interval=5))
    monitoring = Monitoring(db, secrets=SecretStore(), route_check=lambda: True)
    await monitoring.start()
    await until(lambda: monitoring.scheduler.stats.started >= 20)
    await monitoring.stop()
    conn = connect(db.path)
    stored = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
    conn.close()
    assert stored == monitoring.scheduler.stats.started
    assert stored == monitoring.writer.committed
