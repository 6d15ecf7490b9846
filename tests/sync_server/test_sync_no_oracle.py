"""Sync tells a stranger nothing about ids of other accounts.

Alice owns a monitor and a channel; Bob pushes changes with their ids. Each answer is the
one he gets for an id nobody has (byte for byte once the id itself is blanked), and nothing
of Alice's changes. A new monitor or channel with her id is the one change that cannot be
stored; it is refused in words that do not say the id exists. (The same new id twice in
one push, which the refusal path now shares, is stored once instead of failing with a 500.)
"""

import uuid
from datetime import timedelta
from typing import Any, NamedTuple

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.sync.channels import ID_UNUSABLE as CHANNEL_UNUSABLE
from sync_server.sync.service import ID_UNUSABLE as MONITOR_UNUSABLE
from tests.sync_server.test_sync import (
    ALICE,
    BOB,
    T0,
    alice_and_bob_with_a_monitor_each,
    change,
    incident,
    login,
    pull,
    push,
    tombstone,
)
from tests.sync_server.test_sync_channels import channel

LATER = T0 + timedelta(hours=1)


def raw_push(client: TestClient, who: dict[str, str], blank: uuid.UUID, **body: Any) -> bytes:
    """Push body as device "pc"; return the answer's bytes with blank's id made "ID"."""
    answer = client.post("/api/sync/push", json={"device_id": "pc", **body}, headers=who)
    assert answer.status_code == 200, answer.text
    return answer.content.replace(str(blank).encode(), b"ID")


def assert_refused_unsaid(answers: list[Any], taken: uuid.UUID, reason: str) -> None:
    """Assert the one answer refuses the id taken for reason, words that do not say it exists."""
    assert answers == [{"id": str(taken), "applied": False, "seq": None, "reason": reason}]
    assert "taken" not in reason
    assert "exist" not in reason


def alices_things(client: TestClient, alice: dict[str, str], db: Engine) -> Any:
    """Everything of Alice's that a push could change: her pulled changes (the results
    cursor moves with every transaction), her API lists and her rows."""
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT m.id, m.name, m.url, m.deleted, m.seq, m.updated_at, m.changed_by"
                 " FROM monitors m JOIN users u ON u.id = m.user_id WHERE u.email = :alice"
                 " ORDER BY m.id"),
            {"alice": ALICE["email"]},
        ).all()  # fmt: skip
        channels = conn.execute(
            text("SELECT c.id, c.name, c.config, c.deleted, c.seq, c.updated_at"
                 " FROM alert_channels c JOIN users u ON u.id = c.user_id WHERE u.email = :alice"
                 " ORDER BY c.id"),
            {"alice": ALICE["email"]},
        ).all()  # fmt: skip
    page = pull(client, alice)
    return (
        (page["monitors"], page["channels"], page["cursor"]),
        client.get("/api/monitors", headers=alice).json(),
        client.get("/api/alert-channels", headers=alice).json(),
        rows,
        channels,
    )


class Scene(NamedTuple):
    """Alice's and Bob's headers, her monitor's and channel's ids, and all she has now."""

    alice: dict[str, str]
    bob: dict[str, str]
    shop: uuid.UUID
    ops: uuid.UUID
    before: Any


def alice_with_a_monitor_and_a_channel(client: TestClient, db: Engine) -> Scene:
    """Alice's monitor and channel, pushed from her laptop, and Bob signed in too."""
    alice = login(client, ALICE)
    shop, ops = uuid.uuid4(), uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0)], channels=[channel(ops, T0)])
    bob = login(client, BOB)
    return Scene(alice, bob, shop, ops, alices_things(client, alice, db))


def test_a_delete_of_alices_monitor_answers_as_a_delete_of_an_unknown_id(
    client: TestClient, db: Engine
) -> None:
    alice, bob, shop, _, before = alice_with_a_monitor_and_a_channel(client, db)
    nobodys = uuid.uuid4()
    foreign = raw_push(client, bob, shop, monitors=[tombstone(shop, LATER)])
    unknown = raw_push(client, bob, nobodys, monitors=[tombstone(nobodys, LATER)])
    assert foreign == unknown
    assert alices_things(client, alice, db) == before
    assert pull(client, bob)["monitors"] == []


def test_changes_the_plan_refuses_answer_the_same_for_alices_id_and_an_unknown_one(
    client: TestClient, db: Engine
) -> None:
    """Bob's free plan has no cloud checks, and once he has 10 monitors no more either."""
    alice, bob, shop, _, before = alice_with_a_monitor_and_a_channel(client, db)
    nobodys = uuid.uuid4()
    cloud = [
        raw_push(client, bob, some, monitors=[{**change(some, LATER), "cloud": True}])
        for some in (shop, nobodys)
    ]
    assert cloud[0] == cloud[1]
    assert b"no cloud checks" in cloud[0]
    push(client, bob, "pc", monitors=[change(uuid.uuid4(), T0) for _ in range(10)])
    full = [raw_push(client, bob, some, monitors=[change(some, LATER)]) for some in (shop, nobodys)]
    assert full[0] == full[1]
    assert b"free plan keeps up to 10 monitors" in full[0]
    assert alices_things(client, alice, db) == before


def test_a_new_monitor_with_alices_id_is_refused_without_saying_it_exists(
    client: TestClient, db: Engine
) -> None:
    alice, bob, shop, _, before = alice_with_a_monitor_and_a_channel(client, db)
    answer = push(client, bob, "pc", monitors=[change(shop, LATER, url="https://evil.example")])
    assert_refused_unsaid(answer["monitors"], shop, MONITOR_UNUSABLE)
    assert alices_things(client, alice, db) == before
    assert pull(client, bob)["monitors"] == []
    # the answer moved none of Bob's sequence numbers: his next change is still his first
    mine = uuid.uuid4()
    assert push(client, bob, "pc", monitors=[change(mine, T0)])["monitors"][0]["seq"] == 1


def test_channel_changes_with_alices_id_answer_as_those_with_an_unknown_id(
    client: TestClient, db: Engine
) -> None:
    """A delete, a channel without its address and a bad address: the answers Bob gets for
    an id nobody has; a new channel with her id is refused without saying it exists."""
    alice, bob, _, ops, before = alice_with_a_monitor_and_a_channel(client, db)
    nobodys = uuid.uuid4()
    shapes: list[dict[str, Any]] = [
        {"deleted": True},
        {"config": None},
        {"config": {"type": "carrier-pigeon"}},
    ]
    for shape in shapes:
        answers = [
            raw_push(client, bob, some, channels=[channel(some, LATER, **shape)])
            for some in (ops, nobodys)
        ]
        assert answers[0] == answers[1], shape
    new = push(client, bob, "pc", channels=[channel(ops, LATER, name="mine now")])
    assert_refused_unsaid(new["channels"], ops, CHANNEL_UNUSABLE)
    assert alices_things(client, alice, db) == before
    assert pull(client, bob)["channels"] == []


def test_an_incident_with_alices_incident_id_answers_as_one_with_an_unknown_id(
    client: TestClient, db: Engine
) -> None:
    alice, bob, shop, bobs = alice_and_bob_with_a_monitor_each(client)
    hers = uuid.uuid4()
    assert push(client, alice, "dev-a", incidents=[incident(shop, hers)])["incidents_stored"] == 1
    before = alices_things(client, alice, db)
    unknown = uuid.uuid4()
    with_hers = raw_push(client, bob, hers, incidents=[incident(bobs, hers)])
    with_unknown = raw_push(client, bob, unknown, incidents=[incident(bobs, unknown)])
    assert with_hers == with_unknown
    assert b'"incidents_stored":1' in with_hers
    assert alices_things(client, alice, db) == before


def test_one_push_may_carry_the_same_new_id_twice(client: TestClient) -> None:
    """The later change sees the first one stored: it wins or answers "older", no 500."""
    bob = login(client, BOB)
    shop = uuid.uuid4()
    answer = push(client, bob, "pc", monitors=[change(shop, LATER), change(shop, T0)])
    assert [(a["applied"], a["seq"], a["reason"]) for a in answer["monitors"]] == [
        (True, 1, None),
        (False, 1, "older"),
    ]
    twice = push(client, bob, "pc", monitors=[change(uuid.uuid4(), T0)] * 2)
    assert [(a["applied"], a["reason"]) for a in twice["monitors"]] == [
        (True, None),
        (False, "older"),
    ]
