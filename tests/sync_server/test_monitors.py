"""Monitors on the hosted API: CRUD, validation, ownership, plan limits, checks."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from sync_server.config import ServerSettings
from sync_server.monitors.tables import Check
from tests.support.personas import ALICE, BOB
from tests.sync_server.conftest import login


def monitor(**fields: object) -> dict[str, object]:
    return {"url": "https://shop.example.com/health", "interval": 60, **fields}


def test_alice_adds_lists_edits_and_deletes_a_monitor(client: TestClient) -> None:
    alice = login(client, ALICE)
    created = client.post("/api/monitors", json=monitor(name="Shop"), headers=alice)
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["expected_status"], body["seq"]) == ("Shop", "200-299", 1)
    assert [m["id"] for m in client.get("/api/monitors", headers=alice).json()] == [body["id"]]
    updated = client.put(
        f"/api/monitors/{body['id']}", json=monitor(name="Shop", interval=120), headers=alice
    )
    assert (updated.json()["interval"], updated.json()["seq"]) == (120, 2)
    assert client.delete(f"/api/monitors/{body['id']}", headers=alice).status_code == 204
    assert client.get(f"/api/monitors/{body['id']}", headers=alice).status_code == 404
    assert client.get("/api/monitors", headers=alice).json() == []


def test_a_desktop_made_id_is_kept(client: TestClient) -> None:
    alice = login(client, ALICE)
    chosen = str(uuid.uuid4())
    created = client.post("/api/monitors", json=monitor(id=chosen), headers=alice)
    assert created.json()["id"] == chosen


@pytest.mark.parametrize(
    "body",
    [
        monitor(url="file:///etc/passwd"),
        monitor(url="gopher://example.com"),
        monitor(url="http://2130706433/"),
        monitor(url="http://0x7f000001/"),
        monitor(url="http://127.1/"),
        monitor(headers={"Host": "internal.example"}),
        monitor(headers={"Proxy-Authorization": "x"}),
        monitor(headers={"X-A": "a\r\nInjected: 1"}),
        monitor(interval=1),
        monitor(expected_status="abc"),
        monitor(unknown_field=1),
    ],
)
def test_bad_monitors_are_refused_with_422(client: TestClient, body: dict[str, object]) -> None:
    """At the API: short IPv4 spellings, schemes and headers refused before
    anything is stored."""
    alice = login(client, ALICE)
    response = client.post("/api/monitors", json=body, headers=alice)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert client.get("/api/monitors", headers=alice).json() == []


def test_bob_cannot_touch_alices_monitors(client: TestClient) -> None:
    """Every route with Alice's id answers Bob 404, and lists never show her rows."""
    alice, bob = login(client, ALICE), login(client, BOB)
    mid = client.post("/api/monitors", json=monitor(), headers=alice).json()["id"]
    for method, path in [
        ("get", f"/api/monitors/{mid}"),
        ("put", f"/api/monitors/{mid}"),
        ("delete", f"/api/monitors/{mid}"),
        ("get", f"/api/monitors/{mid}/checks"),
    ]:
        kwargs: dict[str, object] = {"headers": bob}
        if method == "put":
            kwargs["json"] = monitor(name="mine now")
        response = getattr(client, method)(path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/monitors", headers=bob).json() == []
    assert client.get(f"/api/monitors/{mid}", headers=alice).json()["name"] == "shop.example.com"


def test_every_monitor_route_needs_a_signed_in_user(client: TestClient) -> None:
    mid = uuid.uuid4()
    for method, path in [
        ("get", "/api/monitors"),
        ("post", "/api/monitors"),
        ("get", f"/api/monitors/{mid}"),
        ("delete", f"/api/monitors/{mid}"),
        ("get", f"/api/monitors/{mid}/checks"),
    ]:
        assert getattr(client, method)(path).status_code == 401


def test_the_free_plan_keeps_ten_monitors(client: TestClient) -> None:
    alice = login(client, ALICE)
    for index in range(10):
        response = client.post("/api/monitors", json=monitor(name=f"m{index}"), headers=alice)
        assert response.status_code == 201
    refused = client.post("/api/monitors", json=monitor(name="eleventh"), headers=alice)
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "plan_limit",
        "message": "the free plan keeps up to 10 monitors; upgrade for more",
    }


def set_plan(settings: ServerSettings, email: str, plan: str) -> None:
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET plan = :p WHERE email = :e"), {"p": plan, "e": email})
    engine.dispose()


def test_cloud_checks_follow_the_plan(client: TestClient, settings: ServerSettings) -> None:
    """Free: none; starter: 20 monitors at 60 s or slower; workers see them due at once."""
    alice = login(client, ALICE)
    free = client.post("/api/monitors", json=monitor(cloud=True), headers=alice)
    assert free.status_code == 403
    assert "no cloud checks" in free.json()["error"]["message"]
    set_plan(settings, ALICE["email"], "starter")
    fast = client.post("/api/monitors", json=monitor(cloud=True, interval=30), headers=alice)
    assert fast.status_code == 403
    assert "every 60 s at the fastest" in fast.json()["error"]["message"]
    made = client.post("/api/monitors", json=monitor(cloud=True), headers=alice).json()
    assert made["cloud"] is True
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        due = conn.execute(text("SELECT next_check_at FROM monitors")).scalar_one()
    assert due is not None
    for _ in range(19):
        assert client.post("/api/monitors", json=monitor(cloud=True), headers=alice).is_success
    local = client.post("/api/monitors", json=monitor(), headers=alice).json()
    turned_on = client.put(f"/api/monitors/{local['id']}", json=monitor(cloud=True), headers=alice)
    assert turned_on.status_code == 403
    assert "up to 20 monitors from the cloud" in turned_on.json()["error"]["message"]
    edit_same = client.put(
        f"/api/monitors/{made['id']}", json=monitor(cloud=True, name="renamed"), headers=alice
    )
    assert edit_same.status_code == 200  # a cloud monitor at the limit can still be edited
    off = client.put(f"/api/monitors/{made['id']}", json=monitor(), headers=alice).json()
    assert off["cloud"] is False
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT next_check_at FROM monitors WHERE id = :id"), {"id": made["id"]}
        ).scalar_one()
    engine.dispose()
    assert row is None


def test_checks_come_newest_first_in_pages(client: TestClient, settings: ServerSettings) -> None:
    alice = login(client, ALICE)
    mid = uuid.UUID(client.post("/api/monitors", json=monitor(), headers=alice).json()["id"])
    start = datetime(2026, 11, 1, tzinfo=UTC)
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        for minute in range(25):
            session.add(
                Check(
                    id=uuid.uuid4(),
                    monitor_id=mid,
                    status="up",
                    status_code=200,
                    response_time_ms=100 + minute,
                    checked_at=start + timedelta(minutes=minute),
                )
            )
        session.commit()
    engine.dispose()
    first = client.get(f"/api/monitors/{mid}/checks?limit=10", headers=alice).json()
    assert [c["response_time_ms"] for c in first["items"]] == list(range(124, 114, -1))
    second = client.get(
        f"/api/monitors/{mid}/checks",
        params={"limit": 10, "before": first["next_before"]},
        headers=alice,
    ).json()
    assert second["items"][0]["response_time_ms"] == 114
    since = (start + timedelta(minutes=20)).isoformat()
    recent = client.get(
        f"/api/monitors/{mid}/checks", params={"since": since}, headers=alice
    ).json()
    assert len(recent["items"]) == 5
    assert recent["next_before"] is None


def test_parallel_creates_at_the_limit_let_exactly_one_through(client: TestClient) -> None:
    """20 concurrent creates with one slot left: one 201, the rest 403."""
    from concurrent.futures import ThreadPoolExecutor

    alice = login(client, ALICE)
    for index in range(9):
        client.post("/api/monitors", json=monitor(name=f"m{index}"), headers=alice)

    def create(index: int) -> int:
        response = client.post("/api/monitors", json=monitor(name=f"race{index}"), headers=alice)
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = sorted(pool.map(create, range(20)))
    assert codes.count(201) == 1
    assert codes.count(403) == 19
    assert len(client.get("/api/monitors", headers=alice).json()) == 10


def test_a_new_account_is_on_the_free_plan(client: TestClient) -> None:
    alice = login(client, ALICE)
    body = client.get("/api/subscription", headers=alice).json()
    assert body == {
        "plan": "free",
        "status": "none",
        "current_period_end": None,
        "cancel_at_period_end": False,
        "notice": None,
        "billing_available": False,
        "synced_monitors": 10,
        "cloud_monitors": 0,
        "fastest_cloud_interval_s": None,
        "status_pages": 1,
        "raw_history_days": 7,
    }
    assert client.get("/api/subscription").status_code == 401


def test_an_unknown_query_parameter_is_refused_not_ignored(client: TestClient) -> None:
    """A misspelt filter must not quietly return unfiltered data."""
    headers = login(client, {"email": "quinn@example.com", "password": "correct horse battery"})
    answer = client.get("/api/monitors", params={"limt": 5}, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "unknown query parameter limt"
    assert client.get("/api/sync/pull", params={"cursor": 0}, headers=headers).status_code == 200
