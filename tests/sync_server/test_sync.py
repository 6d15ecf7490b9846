"""Sync on the hosted side: push (last writer wins, tombstones, idempotent results) and pull.

Another account's ids are not stored; plan limits hold through sync too; a batch pushed twice
is stored once; a clock far ahead does not win; one batch from two devices at once is
stored once; the change socket refuses a foreign Origin.
"""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from starlette.websockets import WebSocketDisconnect

from shared.result import Source, result_id, to_ms
from shared.status import Status
from shared.uptime import Rollup
from tests.support.personas import ALICE, BOB
from tests.sync_server.rows import insert_monitor

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def login(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    client.post("/api/auth/register", json=who)
    token = client.post("/api/auth/login", json=who).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def change(monitor_id: uuid.UUID, at: datetime, **spec: Any) -> dict[str, Any]:
    fields = {"id": str(monitor_id), "name": "Shop", "url": "https://shop.example.com",
              "interval": 60, "created_at": T0.isoformat(), "updated_at": at.isoformat(),
              **spec}  # fmt: skip
    return {"id": str(monitor_id), "updated_at": at.isoformat(), "spec": fields}


def tombstone(monitor_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    return {"id": str(monitor_id), "updated_at": at.isoformat(), "deleted": True}


def push(client: TestClient, who: dict[str, str], device: str, **body: Any) -> dict[str, Any]:
    answer = client.post("/api/sync/push", json={"device_id": device, **body}, headers=who)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def pull(client: TestClient, who: dict[str, str], cursor: int = 0, results: str = "") -> Any:
    answer = client.get(
        "/api/sync/pull", params={"cursor": cursor, "results_cursor": results}, headers=who
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def alice_with_a_shop(client: TestClient) -> tuple[dict[str, str], uuid.UUID]:
    """Alice's headers and the id of the monitor "Shop" her laptop has pushed."""
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0)])
    return alice, shop


def alice_and_bob_with_a_monitor_each(
    client: TestClient,
) -> tuple[dict[str, str], dict[str, str], uuid.UUID, uuid.UUID]:
    """Alice's and Bob's headers, then the ids of her "Shop" and his "Bob's" monitor."""
    alice, bob = login(client, ALICE), login(client, BOB)
    shop, bobs = uuid.uuid4(), uuid.uuid4()
    push(client, alice, "dev-a", monitors=[change(shop, T0)])
    push(client, bob, "dev-b", monitors=[change(bobs, T0, name="Bob's")])
    return alice, bob, shop, bobs


def result(monitor_id: uuid.UUID, at: datetime, status: str = "up") -> dict[str, Any]:
    rid = result_id(monitor_id, to_ms(at), Source.LOCAL)
    return {"id": str(rid), "monitor_id": str(monitor_id), "status": status,
            "status_code": 200, "response_time_ms": 42, "checked_at": at.isoformat()}  # fmt: skip


def test_a_monitor_pushed_by_one_device_is_pulled_by_another(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    answer = push(client, alice, "laptop", monitors=[change(shop, T0)])
    assert answer["monitors"] == [{"id": str(shop), "applied": True, "seq": 1, "reason": None}]
    page = pull(client, alice)
    assert [(m["id"], m["seq"], m["device_id"]) for m in page["monitors"]] == [
        (str(shop), 1, "laptop")
    ]
    assert page["monitors"][0]["spec"]["url"] == "https://shop.example.com"
    assert (page["cursor"], page["more"]) == (1, False)
    assert pull(client, alice, cursor=1)["monitors"] == []
    # the monitor is an ordinary one for the API
    listed = client.get("/api/monitors", headers=alice).json()
    assert [m["id"] for m in listed] == [str(shop)]


def test_the_newer_change_wins_whichever_arrives_first(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0 + timedelta(minutes=5), name="New")])
    older = push(client, alice, "desktop", monitors=[change(shop, T0, name="Old")])
    assert older["monitors"][0]["applied"] is False
    assert older["monitors"][0]["reason"] == "older"
    (stored,) = pull(client, alice)["monitors"]
    assert stored["spec"]["name"] == "New"


def test_a_delete_beats_an_older_edit_and_loses_to_a_newer_one(client: TestClient) -> None:
    alice, shop = alice_with_a_shop(client)
    push(client, alice, "laptop", monitors=[tombstone(shop, T0 + timedelta(minutes=2))])
    stale_edit = push(
        client, alice, "desktop", monitors=[change(shop, T0 + timedelta(minutes=1), name="X")]
    )
    assert stale_edit["monitors"][0]["reason"] == "older"
    (stored,) = pull(client, alice)["monitors"]
    assert (stored["deleted"], stored["spec"]) == (True, None)
    assert client.get(f"/api/monitors/{shop}", headers=alice).status_code == 404
    # an edit made after the delete brings the monitor back (last writer wins)
    revived = push(
        client, alice, "desktop", monitors=[change(shop, T0 + timedelta(minutes=3), name="Back")]
    )
    assert revived["monitors"][0]["applied"] is True
    assert client.get(f"/api/monitors/{shop}", headers=alice).json()["name"] == "Back"


def test_a_tie_goes_to_the_greater_device_id_on_every_side(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    push(client, alice, "device-b", monitors=[change(shop, T0, name="B")])
    lost = push(client, alice, "device-a", monitors=[change(shop, T0, name="A")])
    assert lost["monitors"][0]["applied"] is False
    push(client, alice, "device-c", monitors=[change(shop, T0, name="C")])
    assert pull(client, alice)["monitors"][0]["spec"]["name"] == "C"


def test_a_clock_far_ahead_does_not_win_forever(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    future = datetime.now(UTC) + timedelta(days=365)
    push(client, alice, "fast-clock", monitors=[change(shop, future)])
    (stored,) = pull(client, alice)["monitors"]
    assert datetime.fromisoformat(stored["updated_at"]) < datetime.now(UTC) + timedelta(minutes=3)
    later = datetime.now(UTC) + timedelta(minutes=5)
    again = push(client, alice, "laptop", monitors=[change(shop, later, name="Fixed")])
    assert again["monitors"][0]["applied"] is True


def test_bob_cannot_change_alices_monitor_through_sync(client: TestClient) -> None:
    """A change to an id of another account is not stored and the monitor is left alone."""
    alice, bob = login(client, ALICE), login(client, BOB)
    shop = uuid.uuid4()
    push(client, alice, "laptop", monitors=[change(shop, T0)])
    taken = push(
        client,
        bob,
        "bobs",
        monitors=[change(shop, T0 + timedelta(hours=1), url="https://evil.example")],
    )
    assert taken["monitors"][0]["applied"] is False
    assert taken["monitors"][0]["seq"] is None
    # a delete of it answers as a delete of an id nobody has, and deletes nothing
    push(client, bob, "bobs", monitors=[tombstone(shop, T0 + timedelta(hours=1))])
    assert pull(client, bob)["monitors"] == []
    assert pull(client, alice)["monitors"][0]["spec"]["url"] == "https://shop.example.com"
    # nor can Bob store results for it
    stored = push(client, bob, "bobs", results=[result(shop, T0)])
    assert (stored["results_stored"], stored["results_refused"]) == (0, 1)


def test_the_free_plans_monitor_limit_holds_through_sync(client: TestClient) -> None:
    """The 11th monitor of a free account is refused with a reason; the rest apply."""
    alice = login(client, ALICE)
    ids = [uuid.uuid4() for _ in range(11)]
    answer = push(client, alice, "laptop", monitors=[change(i, T0) for i in ids])
    assert [a["applied"] for a in answer["monitors"]] == [True] * 10 + [False]
    assert "free plan keeps up to 10 monitors" in answer["monitors"][10]["reason"]
    # a delete makes room
    push(client, alice, "laptop", monitors=[tombstone(ids[0], T0 + timedelta(minutes=1))])
    retry = push(client, alice, "laptop", monitors=[change(ids[10], T0)])
    assert retry["monitors"][0]["applied"] is True


def test_cloud_checks_through_sync_follow_the_plan(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    answer = push(client, alice, "laptop", monitors=[{**change(shop, T0), "cloud": True}])
    assert answer["monitors"][0]["applied"] is False
    assert "no cloud checks" in answer["monitors"][0]["reason"]


def test_results_are_stored_once_however_often_they_are_pushed(
    client: TestClient, db: Engine
) -> None:
    alice, shop = alice_with_a_shop(client)
    batch = [result(shop, T0 + timedelta(minutes=i), "up" if i % 3 else "down") for i in range(9)]
    first = push(client, alice, "laptop", results=batch)
    again = push(client, alice, "laptop", results=batch)
    assert (first["results_stored"], again["results_stored"]) == (9, 0)
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM checks WHERE monitor_id = :m AND source = 'local'"),
            {"m": shop},
        ).scalar_one()
        hourly = conn.execute(
            text("SELECT up, down FROM rollups_hourly WHERE monitor_id = :m AND source = 'local'"),
            {"m": shop},
        ).one()
    assert rows == 9
    assert tuple(hourly) == (6, 3)  # counted once, not twice


def test_a_result_whose_id_does_not_match_its_content_is_refused(client: TestClient) -> None:
    alice, shop = alice_with_a_shop(client)
    forged = {**result(shop, T0), "id": str(uuid.uuid4())}
    answer = push(client, alice, "laptop", results=[forged])
    assert (answer["results_stored"], answer["results_refused"]) == (0, 1)


def test_bad_pushes_get_a_clear_422_and_change_nothing(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    bad_bodies: list[dict[str, Any]] = [
        {"device_id": "laptop", "monitors": [{"id": str(shop), "updated_at": T0.isoformat()}]},
        {"device_id": "laptop", "monitors": [change(shop, T0, url="ftp://x")]},
        {"device_id": "has spaces", "monitors": [change(shop, T0)]},
        {"device_id": "laptop", "monitors": [change(shop, T0.replace(tzinfo=None))]},
        {"device_id": "laptop", "results": [{**result(shop, T0), "status": "great"}]},
    ]
    for body in bad_bodies:
        answer = client.post("/api/sync/push", json=body, headers=alice)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["code"] == "invalid"
    assert pull(client, alice)["monitors"] == []
    assert client.get("/api/sync/pull?results_cursor=nonsense", headers=alice).status_code == 422


def alice_with_a_cloud_checked_shop(
    client: TestClient, db: Engine
) -> tuple[dict[str, str], uuid.UUID]:
    """Alice's headers and the id of her cloud-checked monitor, stored straight in the database."""
    alice = login(client, ALICE)
    user_id = uuid.UUID(client.get("/api/auth/me", headers=alice).json()["id"])
    return alice, insert_monitor(db, user_id, "https://shop.example.com")


def _cloud_check(conn: Any, monitor_id: uuid.UUID, at: datetime) -> uuid.UUID:
    rid = result_id(monitor_id, to_ms(at), Source.CLOUD)
    conn.execute(
        text("INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms,"
             " checked_at, source) VALUES (:id, :m, 'up', 200, 30, :at, 'cloud')"),
        {"id": rid, "m": monitor_id, "at": at},
    )  # fmt: skip
    return rid


def test_cloud_results_are_pulled_once_each_and_a_late_commit_is_not_skipped(
    client: TestClient, db: Engine
) -> None:
    alice, shop = alice_with_a_cloud_checked_shop(client, db)
    now = datetime.now(UTC).replace(microsecond=0)
    with db.begin() as conn:
        first = _cloud_check(conn, shop, now - timedelta(minutes=3))
    page = pull(client, alice)
    assert [r["id"] for r in page["results"]] == [str(first)]
    cursor = page["results_cursor"]
    # a worker's batch that began earlier commits after a later one
    slow = db.connect()
    slow_tx = slow.begin()
    late = _cloud_check(slow, shop, now - timedelta(minutes=2))
    with db.begin() as conn:
        quick = _cloud_check(conn, shop, now - timedelta(minutes=1))
    page = pull(client, alice, results=cursor)
    assert page["results"] == []  # held back until the earlier batch is done
    slow_tx.commit()
    slow.close()
    page = pull(client, alice, results=page["results_cursor"])
    assert {r["id"] for r in page["results"]} == {str(late), str(quick)}
    assert pull(client, alice, results=page["results_cursor"])["results"] == []


def test_a_first_pull_brings_only_the_last_day_of_cloud_results(
    client: TestClient, db: Engine
) -> None:
    alice, shop = alice_with_a_cloud_checked_shop(client, db)
    now = datetime.now(UTC)
    with db.begin() as conn:
        _cloud_check(conn, shop, now - timedelta(days=3))
        recent = _cloud_check(conn, shop, now - timedelta(hours=1))
    assert [r["id"] for r in pull(client, alice)["results"]] == [str(recent)]


def test_pull_pages_through_many_results(client: TestClient, db: Engine) -> None:
    alice, shop = alice_with_a_cloud_checked_shop(client, db)
    now = datetime.now(UTC).replace(microsecond=0)
    with db.begin() as conn:
        made = {_cloud_check(conn, shop, now - timedelta(seconds=i)) for i in range(120)}
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        answer = client.get(
            "/api/sync/pull", params={"results_cursor": cursor, "limit": 5}, headers=alice
        ).json()
        seen += [r["id"] for r in answer["results"]]
        cursor, pages = answer["results_cursor"], pages + 1
        if not answer["more"]:
            break
    assert sorted(seen) == sorted(str(i) for i in made)
    assert len(seen) == len(set(seen))
    assert pages == 3  # 50 a page


def _socket_ready(client: TestClient) -> None:
    hub = client.app.state.hub  # type: ignore[attr-defined]
    for _ in range(200):
        if hub.listening.is_set():
            return
        time.sleep(0.02)
    raise AssertionError("the change hub did not start listening")


def test_the_change_socket_tells_only_the_owner_that_something_changed(
    client: TestClient,
) -> None:
    alice, bob = login(client, ALICE), login(client, BOB)
    _socket_ready(client)
    token = alice["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect("/api/sync/ws") as socket:
        socket.send_json({"token": token})
        assert socket.receive_json() == {"type": "ready"}
        push(client, bob, "bobs", monitors=[change(uuid.uuid4(), T0)])  # not Alice's news
        push(client, alice, "laptop", monitors=[change(uuid.uuid4(), T0)])
        assert socket.receive_json() == {"type": "changed"}
        client.post("/api/monitors", json={"url": "https://x.example.com"}, headers=alice)
        assert socket.receive_json() == {"type": "changed"}


def test_the_change_socket_refuses_a_missing_or_bad_token(client: TestClient) -> None:
    for hello in ({"token": "not-a-token"}, {"nothing": 1}, ["token"]):
        with client.websocket_connect("/api/sync/ws") as socket:
            socket.send_json(hello)
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
            assert closed.value.code == 4401


def test_results_wait_until_every_monitor_they_belong_to_was_handed_out(
    client: TestClient, db: Engine
) -> None:
    """Found by bench/sync.py: with more monitors than a page holds, results of monitors on
    a later page were handed out first, and a device had nowhere to keep them."""
    alice = login(client, ALICE)
    ids = [
        uuid.UUID(client.post("/api/monitors", json={"url": f"https://m{i}.example.com"},
                              headers=alice).json()["id"])
        for i in range(7)
    ]  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    with db.begin() as conn:
        for monitor_id in ids:
            _cloud_check(conn, monitor_id, now - timedelta(minutes=1))
    known: set[str] = set()
    cursor, results_cursor = 0, ""
    while True:
        page = client.get(
            "/api/sync/pull",
            params={"cursor": cursor, "results_cursor": results_cursor, "limit": 3},
            headers=alice,
        ).json()
        known |= {m["id"] for m in page["monitors"]}
        assert {r["monitor_id"] for r in page["results"]} <= known
        cursor, results_cursor = page["cursor"], page["results_cursor"]
        if not page["more"]:
            break
    assert len(known) == 7


def test_pushed_results_roll_up_exactly_as_the_shared_maths_does(
    client: TestClient, db: Engine
) -> None:
    """The push adds its results to the rollups in SQL; they must match shared.uptime."""
    alice, shop = alice_with_a_shop(client)
    statuses = ["up", "degraded", "down", "unknown"]
    times = [None, 0, 50, 51, 100, 101, 750, 5000, 5001, 20000]
    batch, expected_hourly, expected_daily = [], {}, {}
    for i in range(120):
        at = T0 + timedelta(minutes=i)
        status, ms = statuses[i % 4], times[i % len(times)]
        batch.append({**result(shop, at, status), "response_time_ms": ms})
        hour = at.replace(minute=0)
        for table, key in ((expected_hourly, hour), (expected_daily, hour.replace(hour=0))):
            table.setdefault(key, Rollup()).add(Status(status), ms)
    push(client, alice, "laptop", results=batch[:70])
    push(client, alice, "laptop", results=batch[50:])  # overlapping: the repeats count once
    for table, expected in (("rollups_hourly", expected_hourly), ("rollups_daily", expected_daily)):
        with db.connect() as conn:
            rows = conn.execute(
                text(f"SELECT bucket, up, degraded, down, unknown, rt_count, rt_sum, rt_min,"
                     f" rt_max, histogram FROM {table} WHERE monitor_id = :m ORDER BY bucket"),
                {"m": shop},
            ).all()  # fmt: skip
        found = {row[0]: Rollup(*row[1:9], histogram=list(row[9])) for row in rows}
        assert found == expected, table


def test_a_foreign_page_cannot_open_the_change_socket(client: TestClient) -> None:
    """An upgrade with a foreign Origin is refused; our own origin and none (the
    desktop) are let in."""
    with pytest.raises(WebSocketDisconnect) as refused:  # noqa: SIM117 - the refusal is at connect
        with client.websocket_connect(
            "/api/sync/ws", headers={"Origin": "https://evil.example"}
        ) as socket:
            socket.receive_json()
    assert refused.value.code == 4403
    origin = client.app.state.settings.public_origin  # type: ignore[attr-defined]
    for headers in ({"Origin": origin}, {}):
        with client.websocket_connect("/api/sync/ws", headers=headers) as socket:
            socket.send_json({"token": "not-a-token"})
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
            assert closed.value.code == 4401  # past the origin check, stopped at the token


def test_the_same_batch_pushed_at_once_from_two_devices_is_stored_once(
    client: TestClient, db: Engine
) -> None:
    """Concurrent uploads of one batch give no unique-violation 500s and one row each."""
    alice, shop = alice_with_a_shop(client)
    batch = [result(shop, T0 + timedelta(seconds=i)) for i in range(2000)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda device: client.post(
                    "/api/sync/push", json={"device_id": device, "results": batch}, headers=alice
                ),
                ["a", "b", "c", "d"],
            )
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert sum(a.json()["results_stored"] for a in answers) == 2000
    with db.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM checks")).scalar_one()
        counted = conn.execute(text("SELECT sum(up) FROM rollups_daily")).scalar_one()
    assert (stored, counted) == (2000, 2000)


def incident(monitor_id: uuid.UUID, incident_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    body = {"id": str(incident_id), "monitor_id": str(monitor_id), "started_at": T0.isoformat()}
    return {**body, "first_error": "timeout after 30 s", **fields}


def test_a_desktops_incidents_are_stored_once_and_their_end_follows(
    client: TestClient, db: Engine
) -> None:
    """Incidents: repeats store nothing twice; Bob can neither add incidents to
    Alice's monitor nor change hers: her incident's id on his own monitor is his incident."""
    alice, bob, shop, bobs = alice_and_bob_with_a_monitor_each(client)
    first = uuid.uuid4()
    assert push(client, alice, "dev-a", incidents=[incident(shop, first)])["incidents_stored"] == 1
    assert push(client, alice, "dev-a", incidents=[incident(shop, first)])["incidents_stored"] == 0
    ended = incident(shop, first, ended_at=(T0 + timedelta(minutes=7)).isoformat())
    assert push(client, alice, "dev-a", incidents=[ended])["incidents_stored"] == 1
    stolen = [incident(shop, uuid.uuid4()), incident(bobs, first, ended_at=None)]
    assert push(client, bob, "dev-b", incidents=stolen)["incidents_stored"] == 1
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT id, monitor_id, source, ended_at FROM incidents ORDER BY monitor_id = :b"),
            {"b": bobs},
        ).all()
    assert [(r.id, r.monitor_id, r.source, r.ended_at) for r in rows] == [
        (first, shop, "local", T0 + timedelta(minutes=7)),
        (first, bobs, "local", None),
    ]
