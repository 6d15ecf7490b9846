"""Pulls hand a device the cloud's results and the account's other devices' local results,
each marked with where it was checked; never the device's own, never another account's."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.sync_server.test_sync import ALICE, BOB, change, login, push, result

NOW = datetime.now(UTC).replace(microsecond=0)


def pull_as(
    client: TestClient, who: dict[str, str], device: str | None, results: str = ""
) -> dict[str, Any]:
    params = {"results_cursor": results} | ({"device_id": device} if device else {})
    answer = client.get("/api/sync/pull", params=params, headers=who)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def origins(page: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(checked at, device id, origin) of each result, oldest first."""
    return sorted((r["checked_at"], r["device_id"], r["origin"]) for r in page["results"])


def at(minutes_ago: int) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def iso(minutes_ago: int) -> str:
    """at(minutes_ago) as the API writes times."""
    return at(minutes_ago).isoformat().replace("+00:00", "Z")


def a_shop_checked_by_the_laptop(client: TestClient) -> tuple[dict[str, str], uuid.UUID]:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    push(client, alice, "laptop-a1", monitors=[change(shop, NOW)])
    results = [result(shop, at(3)), result(shop, at(2), "down")]
    push(client, alice, "laptop-a1", device_name="Alice's laptop", results=results)
    return alice, shop


def test_another_device_gets_the_laptops_results_with_its_name(client: TestClient) -> None:
    alice, shop = a_shop_checked_by_the_laptop(client)
    page = pull_as(client, alice, "desk-b2")
    assert origins(page) == [
        (iso(3), "laptop-a1", "Alice's laptop"),
        (iso(2), "laptop-a1", "Alice's laptop"),
    ]
    by_time = sorted(page["results"], key=lambda r: r["checked_at"])
    assert [r["status"] for r in by_time] == ["up", "down"]
    # the cursor moves past them: the next pull brings only what is new
    again = pull_as(client, alice, "desk-b2", page["results_cursor"])
    assert again["results"] == []
    push(client, alice, "laptop-a1", results=[result(shop, at(1))])
    newer = pull_as(client, alice, "desk-b2", again["results_cursor"])
    assert [r["checked_at"] for r in newer["results"]] == [iso(1)]


def test_a_device_never_gets_its_own_results_back(client: TestClient) -> None:
    alice, _ = a_shop_checked_by_the_laptop(client)
    assert pull_as(client, alice, "laptop-a1")["results"] == []


def test_a_device_that_does_not_say_who_it_is_gets_cloud_results_only(
    client: TestClient, db: Engine
) -> None:
    """An older desktop would keep another device's results as the cloud's."""
    alice, shop = a_shop_checked_by_the_laptop(client)
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO checks (id, monitor_id, status, checked_at, source)"
                 " VALUES (:id, :m, 'up', :at, 'cloud')"),
            {"id": uuid.uuid4(), "m": shop, "at": at(1)},
        )  # fmt: skip
    cloud = [(iso(1), None, "cloud")]
    assert origins(pull_as(client, alice, None)) == cloud
    assert origins(pull_as(client, alice, "laptop-a1")) == cloud
    assert len(pull_as(client, alice, "desk-b2")["results"]) == 3


def test_results_pushed_before_devices_were_recorded_stay_where_they_are(
    client: TestClient, db: Engine
) -> None:
    alice, shop = a_shop_checked_by_the_laptop(client)
    with db.begin() as conn:  # nobody knows which device checked this one
        conn.execute(
            text("INSERT INTO checks (id, monitor_id, status, checked_at, source)"
                 " VALUES (:id, :m, 'up', :at, 'local')"),
            {"id": uuid.uuid4(), "m": shop, "at": at(5)},
        )  # fmt: skip
    assert len(pull_as(client, alice, "desk-b2")["results"]) == 2


def test_a_device_is_shown_by_its_latest_name_or_by_its_id(client: TestClient) -> None:
    alice, shop = a_shop_checked_by_the_laptop(client)
    push(client, alice, "laptop-a1", device_name="Alice's new laptop", results=[])
    push(client, alice, "old-desktop-9", results=[result(shop, at(4))])  # never says its name
    assert origins(pull_as(client, alice, "desk-b2")) == [
        (iso(4), "old-desktop-9", "device old-desk"),
        (iso(3), "laptop-a1", "Alice's new laptop"),
        (iso(2), "laptop-a1", "Alice's new laptop"),
    ]


def test_another_accounts_devices_are_never_handed_out(client: TestClient) -> None:
    a_shop_checked_by_the_laptop(client)
    bob = login(client, BOB)
    bob_shop = uuid.uuid4()
    push(client, bob, "laptop-a1", monitors=[change(bob_shop, NOW)])  # the same device id
    push(client, bob, "laptop-a1", device_name="Bob's", results=[result(bob_shop, at(1))])
    assert origins(pull_as(client, bob, "desk-b2")) == [(iso(1), "laptop-a1", "Bob's")]


def test_bad_device_ids_and_names_get_a_422_naming_the_field(client: TestClient) -> None:
    alice, _ = a_shop_checked_by_the_laptop(client)
    for device in ("has spaces", "x" * 65, ""):
        answer = client.get("/api/sync/pull", params={"device_id": device}, headers=alice)
        assert answer.status_code == 422, device
        assert "device_id" in answer.text
    for name in ("", "tab\there", "n" * 101):
        body = {"device_id": "laptop-a1", "device_name": name, "results": []}
        answer = client.post("/api/sync/push", json=body, headers=alice)
        assert answer.status_code == 422, name
        assert "device_name" in answer.text
