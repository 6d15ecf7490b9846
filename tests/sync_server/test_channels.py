"""Alert channels on the hosted API: per-type validation, secrets never echoed, ownership."""

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.support.personas import ALICE, BOB
from tests.sync_server.conftest import login

SLACK = "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def test_a_slack_channel_is_stored_and_its_secret_never_shown(client: TestClient) -> None:
    """The webhook path (the secret) is not in any response."""
    alice = login(client, ALICE)
    mid = client.post("/api/monitors", json={"url": "https://a.example.com"}, headers=alice).json()[
        "id"
    ]
    created = client.post(
        "/api/alert-channels",
        json={
            "name": "Team",
            "config": {"type": "slack", "webhook_url": SLACK},
            "monitor_ids": [mid],
        },
        headers=alice,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["type"], body["target"], body["monitor_ids"]) == (
        "slack",
        "https://hooks.slack.com/…",
        [mid],
    )
    listed = client.get("/api/alert-channels", headers=alice)
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in created.text + listed.text
    updated = client.put(
        f"/api/alert-channels/{body['id']}",
        json={"name": "Ops", "config": {"type": "email", "to": "ops@example.com"}},
        headers=alice,
    )
    assert (updated.json()["name"], updated.json()["target"], updated.json()["monitor_ids"]) == (
        "Ops",
        "ops@example.com",
        [],
    )
    assert client.delete(f"/api/alert-channels/{body['id']}", headers=alice).status_code == 204
    assert client.get("/api/alert-channels", headers=alice).json() == []


@pytest.mark.parametrize(
    "config",
    [
        {"type": "slack", "webhook_url": "https://evil.example.com/services/x"},
        {"type": "discord", "webhook_url": "http://discord.com/api/webhooks/1/x"},
        {"type": "telegram", "bot_token": "nope", "chat_id": "42"},
        {"type": "email", "to": "not-an-address"},
        {"type": "webhook", "url": "file:///etc/passwd"},
        {"type": "webhook", "url": "https://user:pw@example.com/hook"},
        {"type": "apprise", "url": "json://127.0.0.1/x"},
        {"type": "webhook", "url": "https://example.com/hook", "extra": 1},
    ],
)
def test_bad_channels_are_refused_with_422(client: TestClient, config: dict[str, object]) -> None:
    """Input side: only the five typed shapes, no raw Apprise URLs."""
    alice = login(client, ALICE)
    response = client.post(
        "/api/alert-channels", json={"name": "x", "config": config}, headers=alice
    )
    assert response.status_code == 422
    assert client.get("/api/alert-channels", headers=alice).json() == []


def test_bob_cannot_use_or_touch_alices_things(client: TestClient) -> None:
    """Alice's channel ids and monitor ids answer Bob 404."""
    alice, bob = login(client, ALICE), login(client, BOB)
    mid = client.post("/api/monitors", json={"url": "https://a.example.com"}, headers=alice).json()[
        "id"
    ]
    cid = client.post(
        "/api/alert-channels",
        json={"name": "A", "config": {"type": "email", "to": "a@example.com"}},
        headers=alice,
    ).json()["id"]
    email = {"name": "B", "config": {"type": "email", "to": "b@example.com"}}
    assert client.put(f"/api/alert-channels/{cid}", json=email, headers=bob).status_code == 404
    assert client.delete(f"/api/alert-channels/{cid}", headers=bob).status_code == 404
    linked = client.post("/api/alert-channels", json={**email, "monitor_ids": [mid]}, headers=bob)
    unknown = {**email, "monitor_ids": [str(uuid.uuid4())]}
    made_up = client.post("/api/alert-channels", json=unknown, headers=bob)
    # ids in a body are content, not the resource addressed: 422, the same for both cases
    assert linked.status_code == made_up.status_code == 422
    assert linked.json() == made_up.json()
    assert client.get("/api/alert-channels", headers=bob).json() == []


def test_every_change_takes_the_next_number_of_one_counter_per_account(client: TestClient) -> None:
    """Sync cursors: one seq across monitors and channels, never shared by parallel edits."""
    from concurrent.futures import ThreadPoolExecutor

    alice = login(client, ALICE)
    monitors = [
        client.post("/api/monitors", json={"url": f"https://{n}.example.com"}, headers=alice).json()
        for n in ("a", "b")
    ]
    channel = client.post(
        "/api/alert-channels",
        json={"name": "A", "config": {"type": "email", "to": "a@example.com"}},
        headers=alice,
    ).json()
    assert [m["seq"] for m in monitors] + [channel["seq"]] == [1, 2, 3]

    def edit(index: int) -> int:
        target = monitors[index % 2]["id"]
        body = {"url": "https://c.example.com", "name": f"edit {index}"}
        return int(client.put(f"/api/monitors/{target}", json=body, headers=alice).json()["seq"])

    with ThreadPoolExecutor(max_workers=10) as pool:
        seqs = sorted(pool.map(edit, range(10)))
    assert seqs == list(range(4, 14))
