"""Signed webhooks: a real receiver gets an event id and an HMAC signature that
verifies with the channel's secret over the exact body; a retry keeps the event id. The
secret is taken by the channel API and never shown again."""

import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.alerts.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature, verify
from sync_server.config import ServerSettings
from tests.support.personas import ALICE
from tests.support.webhook import WebhookReceiver
from tests.sync_server.conftest import login
from tests.sync_server.rows import insert_channel
from tests.sync_server.test_alerts import add_account, deliver_once, queue_alert

SECRET = "whsec_alice_0123456789abcdef"
BODY = b'{"event": "down", "monitor": "Shop"}'


def add_signed_webhook(db: Engine, url: str, secret: str | None = SECRET) -> uuid.UUID:
    """Alice's account with one monitor and a webhook channel (signed when secret is given)."""
    user, monitor = add_account(db, "https://shop.example.com")
    config = {"type": "webhook", "url": url} | ({"secret": secret} if secret else {})
    channel = insert_channel(db, user, config, [monitor])
    queue_alert(db, monitor, channel)
    with db.connect() as conn:
        outbox_id: uuid.UUID = conn.execute(text("SELECT id FROM alert_outbox")).scalar_one()
    return outbox_id


async def test_a_webhook_is_signed_over_its_exact_body_with_the_channel_secret(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver
) -> None:
    """The receiver verifies the signature with the secret; any other secret, a changed
    body or an old timestamp does not verify."""
    outbox_id = add_signed_webhook(db, f"{webhook.base_url}/h")
    before = int(time.time())
    await deliver_once(settings)
    [hook] = webhook.received
    header = hook.headers[SIGNATURE_HEADER]
    assert hook.headers[EVENT_ID_HEADER] == str(outbox_id)
    assert hook.json["event"] == "down"
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert before <= stamp <= time.time()
    assert verify(SECRET, hook.body, header, now=time.time())
    assert not verify("whsec_mallory_0123456789ab", hook.body, header, now=time.time())
    assert not verify(SECRET, hook.body.replace(b"down", b"up"), header, now=time.time())
    assert not verify(SECRET, hook.body, header, now=stamp + 301)


async def test_a_retry_carries_the_same_event_id_and_a_fresh_signature(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver
) -> None:
    """A receiver can drop repeats by event id; each attempt is signed anew."""
    outbox_id = add_signed_webhook(db, f"{webhook.base_url}/h")
    webhook.fail_with(503, times=1)
    await deliver_once(settings)
    with db.begin() as conn:  # the backoff has passed
        conn.execute(text("UPDATE alert_outbox SET next_attempt_at = now()"))
    await deliver_once(settings)
    first, retry = webhook.received
    assert (first.status, retry.status) == (503, 200)
    assert first.headers[EVENT_ID_HEADER] == retry.headers[EVENT_ID_HEADER] == str(outbox_id)
    for attempt in (first, retry):
        assert verify(SECRET, attempt.body, attempt.headers[SIGNATURE_HEADER], now=time.time())


async def test_a_webhook_without_a_secret_is_sent_unsigned_with_its_event_id(
    settings: ServerSettings, db: Engine, webhook: WebhookReceiver
) -> None:
    outbox_id = add_signed_webhook(db, f"{webhook.base_url}/h", secret=None)
    await deliver_once(settings)
    [hook] = webhook.received
    assert hook.headers[EVENT_ID_HEADER] == str(outbox_id)
    assert SIGNATURE_HEADER not in hook.headers


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("", "empty"),
        ("v1={mac}", "no time"),
        ("t={t}", "no v1"),
        ("t={t},t={t},v1={mac}", "two times"),
        ("t=+{t},v1={mac}", "a time that is not a plain number"),
        ("t={t},v1={mac}0", "a longer MAC"),
        ("t={t},v0={mac}", "another scheme"),
    ],
)
def test_a_malformed_signature_header_does_not_verify(header: str, why: str) -> None:
    """Only t=<time>,v1=<hex> verifies; the good form right beside each case does."""
    at = int(time.time())
    mac = signature(SECRET, BODY, at).split("v1=")[1]
    assert verify(SECRET, BODY, f"t={at},v1={mac}", now=at)
    assert not verify(SECRET, BODY, header.format(t=at, mac=mac), now=at), why


def test_any_matching_v1_verifies_so_a_receiver_can_rotate_secrets() -> None:
    at = int(time.time())
    old = signature("whsec_old_secret_0123456789", BODY, at).split("v1=")[1]
    new = signature(SECRET, BODY, at).split("v1=")[1]
    assert verify(SECRET, BODY, f"t={at},v1={old},v1={new}", now=at)


def test_the_channel_api_takes_a_secret_and_never_shows_it(client: TestClient) -> None:
    """The secret is accepted at creation and appears in no response."""
    alice = login(client, ALICE)
    config = {"type": "webhook", "url": "https://hooks.example.com/upwatch", "secret": SECRET}
    created = client.post(
        "/api/alert-channels", json={"name": "Ops", "config": config}, headers=alice
    )
    assert created.status_code == 201, created.text
    assert created.json()["target"] == "https://hooks.example.com/…"
    listed = client.get("/api/alert-channels", headers=alice)
    assert SECRET not in created.text + listed.text
    short = {**config, "secret": "too-short"}
    refused = client.post("/api/alert-channels", json={"name": "x", "config": short}, headers=alice)
    assert refused.status_code == 422


def stored_secret(db: Engine, settings: ServerSettings) -> str | None:
    with db.connect() as conn:
        stored = conn.execute(text("SELECT config FROM alert_channels")).scalar_one()
    secret: str | None = settings.config_sealer.open(stored).get("secret")
    return secret


def test_saving_a_webhook_without_its_secret_keeps_it_while_the_url_stays(
    client: TestClient, db: Engine, settings: ServerSettings
) -> None:
    """The secret is never shown, so a client cannot send it back: a save that leaves it
    out keeps it for the same URL (a rename does not stop the signatures) and drops it for a
    new URL (the old receiver's secret must not go to another)."""
    alice = login(client, ALICE)
    config = {"type": "webhook", "url": "https://hooks.example.com/upwatch", "secret": SECRET}
    created = client.post("/api/alert-channels", json={"name": "Ops", "config": config},
                          headers=alice).json()  # fmt: skip
    path = f"/api/alert-channels/{created['id']}"
    without = {"type": "webhook", "url": config["url"]}
    assert client.put(path, json={"name": "On call", "config": without}, headers=alice).is_success
    assert stored_secret(db, settings) == SECRET
    moved = {"type": "webhook", "url": "https://other.example.com/hook"}
    assert client.put(path, json={"name": "On call", "config": moved}, headers=alice).is_success
    assert stored_secret(db, settings) is None
