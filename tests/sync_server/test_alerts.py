"""Cloud alerts end to end: a real SMTP server and a real webhook receiver get each flip once;
retries, permanent failures and internal webhook addresses."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from shared.netguard import NetGuard
from sync_server.alerts.deliver import Deliverer, MailSettings
from sync_server.alerts.sender import AlertSender
from sync_server.config import ServerSettings
from sync_server.db import libpq_url
from sync_server.worker.runner import CloudWorker
from tests.support.smtp import SmtpSink
from tests.support.target import TargetServer
from tests.support.webhook import WebhookReceiver
from tests.sync_server.rows import insert_channel, insert_monitor, insert_user

LOCAL = NetGuard(allow=["127.0.0.1/32"])


def add_account(db: Engine, url: str) -> tuple[uuid.UUID, uuid.UUID]:
    user_id = insert_user(db, "pro", email="ops@example.com")
    return user_id, insert_monitor(db, user_id, url, name="Shop", interval=30, confirmations=1)


def add_webhook(db: Engine, user_id: uuid.UUID, monitor_id: uuid.UUID, url: str) -> uuid.UUID:
    return insert_channel(db, user_id, {"type": "webhook", "url": url}, [monitor_id])


async def run_until(
    parts: list[CloudWorker | AlertSender], done: Callable[[], bool], timeout: float = 15
) -> None:
    stop = asyncio.Event()

    async def watch() -> None:
        for _ in range(int(timeout / 0.05)):
            if done():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # a little longer: nothing more may arrive
        stop.set()

    await asyncio.gather(watch(), *(part.run(stop) for part in parts))


async def test_an_outage_reaches_email_and_webhook_exactly_once(
    settings: ServerSettings,
    db: Engine,
    target: TargetServer,
    switch_name: str,
    smtp_sink: SmtpSink,
    webhook: WebhookReceiver,
) -> None:
    target.set_switch(switch_name, status=503)
    user, monitor = add_account(db, target.switch_url(switch_name))
    insert_channel(db, user, {"type": "email", "to": "oncall@example.com"}, [monitor])
    add_webhook(db, user, monitor, f"{webhook.base_url}/hook")
    conninfo = libpq_url(settings.database_url)
    mail = MailSettings(f"smtp://{smtp_sink.host}:{smtp_sink.port}", "alerts@upwatch.test")
    worker = CloudWorker(conninfo, guard=LOCAL)
    sender = AlertSender(conninfo, Deliverer(LOCAL, mail), settings.config_sealer, name="sender")
    await run_until(
        [worker, sender], lambda: len(smtp_sink.messages) >= 1 and webhook.count("/hook") >= 1
    )
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0].subject == "Shop is down"
    assert "503" in smtp_sink.messages[0].text
    hooks = webhook.received
    assert len(hooks) == 1
    assert hooks[0].json["event"] == "down"
    assert hooks[0].json["monitor"] == "Shop"
    with db.connect() as conn:
        rows = conn.execute(text("SELECT status, attempts FROM alert_outbox")).all()
        deliveries = conn.execute(text("SELECT ok FROM alert_deliveries")).all()
    assert sorted(tuple(r) for r in rows) == [("sent", 1), ("sent", 1)]
    assert [d.ok for d in deliveries] == [True, True]


def queue_alert(db: Engine, monitor_id: uuid.UUID, channel_id: uuid.UUID) -> None:
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO alert_outbox (id, flip_id, monitor_id, channel_id, event, payload,"
                 " status, attempts, next_attempt_at, created_at) VALUES (gen_random_uuid(),"
                 " gen_random_uuid(), :m, :c, 'down', :payload, 'pending', 0, now(), now())"),
            {"m": monitor_id, "c": channel_id,
             "payload": '{"event": "down", "title": "Shop is down", "body": "503"}'},
        )  # fmt: skip


def shop_with_a_queued_alert(db: Engine, webhook: WebhookReceiver) -> tuple[uuid.UUID, uuid.UUID]:
    """The ids of a new account's monitor and its webhook channel, with one alert queued."""
    user, monitor = add_account(db, "https://shop.example.com")
    channel = add_webhook(db, user, monitor, f"{webhook.base_url}/h")
    queue_alert(db, monitor, channel)
    return monitor, channel


async def deliver_once(settings: ServerSettings, guard: NetGuard = LOCAL) -> AlertSender:
    from psycopg import AsyncConnection

    sender = AlertSender(
        libpq_url(settings.database_url), Deliverer(guard, None), settings.config_sealer, name="s"
    )
    conn = await AsyncConnection.connect(sender.conninfo, autocommit=True)
    await sender.deliver_due(conn)
    await conn.close()
    await sender.deliverer.close()
    return sender


async def test_a_failed_delivery_is_retried_with_backoff_and_recorded(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver
) -> None:
    shop_with_a_queued_alert(db, webhook)
    webhook.fail_with(503, times=1)
    await deliver_once(settings)
    with db.connect() as conn:
        row = conn.execute(text("SELECT status, attempts, next_attempt_at, last_error"
                                " FROM alert_outbox")).one()  # fmt: skip
    assert (row.status, row.attempts) == ("pending", 1)
    assert "503" in row.last_error
    assert 3 < (row.next_attempt_at - datetime.now(UTC)).total_seconds() <= 5
    await deliver_once(settings)  # not due yet: nothing is sent
    assert len(webhook.received) == 1
    with db.begin() as conn:  # five seconds pass
        conn.execute(text("UPDATE alert_outbox SET next_attempt_at = now()"))
    await deliver_once(settings)
    with db.connect() as conn:
        status = conn.execute(text("SELECT status FROM alert_outbox")).scalar_one()
        attempts = conn.execute(text("SELECT ok FROM alert_deliveries ORDER BY attempted_at")).all()
    assert status == "sent"
    assert [a.ok for a in attempts] == [False, True]
    assert len(webhook.received) == 2


async def test_a_gone_webhook_disables_its_channel_with_the_reason(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver, client: TestClient
) -> None:
    monitor, channel = shop_with_a_queued_alert(db, webhook)
    webhook.fail_with(410, times=5)
    await deliver_once(settings)
    with db.connect() as conn:
        status = conn.execute(text("SELECT status FROM alert_outbox")).scalar_one()
        reason = conn.execute(text("SELECT disabled_reason FROM alert_channels")).scalar_one()
    assert status == "dead"
    assert reason == "the webhook answered 410 Gone"
    queue_alert(db, monitor, channel)  # later flips for a disabled channel are not sent
    await deliver_once(settings)
    assert len(webhook.received) == 1


async def test_a_webhook_to_an_internal_address_is_never_called(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver
) -> None:
    """The sender re-checks the webhook's address; an internal one disables the channel."""
    shop_with_a_queued_alert(db, webhook)
    await deliver_once(settings, guard=NetGuard())
    with db.connect() as conn:
        reason = conn.execute(text("SELECT disabled_reason FROM alert_channels")).scalar_one()
    assert reason == "blocked: 127.0.0.1 is a loopback address"
    assert webhook.received == []


NASTY_NAME = 'Shop "EU" \\ C:\\new\nline } {"x": 1} {{7*7}} ${7*7} %s {0}'
NASTY_KEYWORD = 'needle "q" \\ } {{7*7}} ${7*7}'


async def test_names_and_errors_reach_a_webhook_as_literal_json_strings(
    settings: ServerSettings,
    db: Engine,
    target: TargetServer,
    switch_name: str,
    webhook: WebhookReceiver,
) -> None:
    """Quotes, backslashes, newlines, braces and template syntax in a monitor's name and
    in its error arrive as the same text in valid JSON; nothing is evaluated or broken."""
    target.set_switch(switch_name, status=200, body="a page without the word")
    user = insert_user(db, "pro")
    monitor = insert_monitor(
        db, user, target.switch_url(switch_name), name=NASTY_NAME, confirmations=1
    )
    with db.begin() as conn:  # the error then quotes the keyword, braces and all
        conn.execute(text("UPDATE monitors SET keyword = :k"), {"k": NASTY_KEYWORD})
    add_webhook(db, user, monitor, f"{webhook.base_url}/hook")
    conninfo = libpq_url(settings.database_url)
    worker = CloudWorker(conninfo, guard=LOCAL)
    sender = AlertSender(conninfo, Deliverer(LOCAL, None), settings.config_sealer, name="sender")
    await run_until([worker, sender], lambda: webhook.count("/hook") >= 1)
    [hook] = webhook.received
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.json is not None, f"not JSON: {hook.text}"
    error = f"keyword {NASTY_KEYWORD!r} not found"
    assert hook.json["monitor"] == NASTY_NAME
    assert hook.json["title"] == f"{NASTY_NAME} is down"
    assert hook.json["error"] == error
    assert f"Error: {error}" in hook.json["body"].split("\n")
    assert "{{7*7}}" in hook.json["error"]  # not 49
    assert "${7*7}" in hook.json["error"]
