"""Alert channels through /api/sync: last writer wins, ownership, the API's own checks.

Another account's channel id is out of reach; a pull never carries a channel's secret; an
internal webhook address is refused when a channel is saved, by sync and by the channel API
alike; a push keeps the webhook's signing secret.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.config import ServerSettings
from tests.sync_server.test_sync import ALICE, BOB, T0, change, login, pull, push
from tests.sync_server.test_webhook_signing import stored_secret

HOOK = "https://hooks.example.com/in/s3cr3t-token-0123456789"


def channel(
    channel_id: uuid.UUID, at: datetime, *, monitors: Sequence[uuid.UUID] = (), **fields: Any
) -> dict[str, Any]:
    return {"id": str(channel_id), "updated_at": at.isoformat(), "name": "ops",
            "config": {"type": "webhook", "url": HOOK},
            "monitor_ids": [str(m) for m in monitors], **fields}  # fmt: skip


def test_a_pushed_channel_is_pulled_by_another_device_without_its_secret(
    client: TestClient,
) -> None:
    alice = login(client, ALICE)
    shop, ops = uuid.uuid4(), uuid.uuid4()
    answer = push(
        client,
        alice,
        "laptop",
        monitors=[change(shop, T0)],
        channels=[channel(ops, T0, monitors=[shop])],
    )
    assert [a["applied"] for a in answer["channels"]] == [True]
    page = pull(client, alice)
    [pulled] = page["channels"]
    assert (pulled["name"], pulled["type"], pulled["device_id"]) == ("ops", "webhook", "laptop")
    assert pulled["monitor_ids"] == [str(shop)]
    assert pulled["target"] == "https://hooks.example.com/…"
    assert "s3cr3t" not in str(page)
    listed = client.get("/api/alert-channels", headers=alice).json()
    assert [c["monitor_ids"] for c in listed] == [[str(shop)]]
    # the seq cursor covers monitors and channels alike
    assert pull(client, alice, cursor=page["cursor"])["channels"] == []


def test_the_later_channel_change_wins_and_a_delete_is_a_change(client: TestClient) -> None:
    alice = login(client, ALICE)
    ops = uuid.uuid4()
    push(client, alice, "laptop", channels=[channel(ops, T0)])
    later = T0 + timedelta(minutes=5)
    push(client, alice, "desktop", channels=[channel(ops, later, name="ops team")])
    older = push(client, alice, "laptop", channels=[channel(ops, T0 + timedelta(minutes=1))])
    assert older["channels"][0]["reason"] == "older"
    push(client, alice, "laptop", channels=[
        {"id": str(ops), "updated_at": (later + timedelta(minutes=1)).isoformat(), "deleted": True}
    ])  # fmt: skip
    assert client.get("/api/alert-channels", headers=alice).json() == []
    [gone] = pull(client, alice)["channels"]
    assert gone["deleted"] is True


def test_a_device_without_the_secret_changes_name_and_links_only(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop, ops = uuid.uuid4(), uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0)], channels=[channel(ops, T0)])
    answer = push(client, alice, "desktop", channels=[
        channel(ops, T0 + timedelta(minutes=1), config=None, monitors=[shop])
    ])  # fmt: skip
    assert answer["channels"][0]["applied"] is True
    [listed] = client.get("/api/alert-channels", headers=alice).json()
    assert listed["monitor_ids"] == [str(shop)]
    assert listed["target"] == "https://hooks.example.com/…"
    unknown = push(client, alice, "desktop", channels=[channel(uuid.uuid4(), T0, config=None)])
    assert "not on the device" in unknown["channels"][0]["reason"]


def test_another_accounts_channel_and_monitors_are_out_of_reach(client: TestClient) -> None:
    """Bob cannot reach or change Alice's channel or monitors through sync."""
    alice = login(client, ALICE)
    shop, ops = uuid.uuid4(), uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0)], channels=[channel(ops, T0)])
    bob = login(client, BOB)
    taken = push(client, bob, "pc", channels=[channel(ops, T0 + timedelta(hours=1))])
    assert (taken["channels"][0]["applied"], taken["channels"][0]["seq"]) == (False, None)
    mine = uuid.uuid4()
    push(client, bob, "pc", channels=[channel(mine, T0, monitors=[shop])])
    [bobs] = client.get("/api/alert-channels", headers=bob).json()
    assert bobs["monitor_ids"] == []  # Alice's monitor is not linked
    [alices] = client.get("/api/alert-channels", headers=alice).json()
    assert alices["name"] == "ops"


def test_configs_are_checked_as_the_channel_api_checks_them(client: TestClient) -> None:
    """A: internal addresses are refused when the channel is saved."""
    alice = login(client, ALICE)
    bad = {
        "http://10.1.2.3/hook": "private address",
        "http://169.254.169.254/latest": "cloud cannot send there",
        "http://localhost:8080/hook": "localhost",
        "http://user:pw@hooks.example.com/x": "credentials",
    }
    for url, reason in bad.items():
        answer = push(client, alice, "laptop", channels=[
            channel(uuid.uuid4(), T0, config={"type": "webhook", "url": url})
        ])  # fmt: skip
        assert answer["channels"][0]["applied"] is False
        assert reason in answer["channels"][0]["reason"], answer
        api = client.post("/api/alert-channels", headers=alice, json={
            "name": "x", "config": {"type": "webhook", "url": url}
        })  # fmt: skip
        assert api.status_code == 422, url
    slack = push(client, alice, "laptop", channels=[
        channel(uuid.uuid4(), T0, config={"type": "slack", "webhook_url": "https://evil.example/x"})
    ])  # fmt: skip
    assert "hooks.slack.com" in slack["channels"][0]["reason"]
    assert client.get("/api/alert-channels", headers=alice).json() == []


def test_a_device_push_without_the_webhook_secret_keeps_the_one_set_in_the_cloud(
    client: TestClient, db: Engine, settings: ServerSettings
) -> None:
    """A secret set through the API survives the desktop's push of the same webhook (its
    Apprise URL has no secret); a push with another URL drops it."""
    alice = login(client, ALICE)
    ops = uuid.uuid4()
    push(client, alice, "laptop", channels=[channel(ops, T0)])
    secret = "whsec_0123456789abcdef"
    config = {"type": "webhook", "url": HOOK, "secret": secret}
    saved = client.put(f"/api/alert-channels/{ops}", json={"name": "ops", "config": config},
                       headers=alice)  # fmt: skip
    assert saved.is_success, saved.text
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert push(client, alice, "laptop", channels=[channel(ops, later, name="ops 2")])["channels"][
        0
    ]["applied"]
    assert stored_secret(db, settings) == secret
    other = {"type": "webhook", "url": "https://other.example.com/in"}
    push(
        client, alice, "laptop", channels=[channel(ops, later + timedelta(minutes=1), config=other)]
    )
    assert stored_secret(db, settings) is None
