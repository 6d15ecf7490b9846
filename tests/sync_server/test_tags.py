"""Tags on the hosted side: kept with the monitor through the API and through sync, and a bad
tag refused with a 422 that names the tags field (nothing stored)."""

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.support.personas import ALICE
from tests.sync_server.conftest import login

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PROD = {"name": "prod", "color": "#2563eb"}


def test_tags_set_through_the_api_are_kept_and_listed(client: TestClient) -> None:
    alice = login(client, ALICE)
    body = {"url": "https://shop.example.com", "name": "Shop", "tags": [PROD, "db"]}
    created = client.post("/api/monitors", json=body, headers=alice)
    assert created.status_code == 201, created.text
    listed = client.get("/api/monitors", headers=alice).json()
    assert [t["name"] for t in listed[0]["tags"]] == ["prod", "db"]
    assert listed[0]["tags"][0] == PROD


def test_tags_that_are_bad_get_a_422_naming_the_field_and_store_nothing(
    client: TestClient,
) -> None:
    alice = login(client, ALICE)
    for tags in (["a,b"], [{"name": "x", "color": "blue"}], ["x" * 40], "prod"):
        body = {"url": "https://shop.example.com", "tags": tags}
        answer = client.post("/api/monitors", json=body, headers=alice)
        assert answer.status_code == 422, (tags, answer.text)
        assert "tags" in answer.text
    assert client.get("/api/monitors", headers=alice).json() == []


def test_tags_pushed_by_one_device_are_pulled_by_another(client: TestClient) -> None:
    alice = login(client, ALICE)
    shop = uuid.uuid4()
    spec = {"id": str(shop), "name": "Shop", "url": "https://shop.example.com", "interval": 60,
            "created_at": T0.isoformat(), "updated_at": T0.isoformat(), "tags": [PROD]}  # fmt: skip
    change = {"id": str(shop), "updated_at": T0.isoformat(), "spec": spec}
    pushed = client.post(
        "/api/sync/push", json={"device_id": "laptop", "monitors": [change]}, headers=alice
    )
    assert pushed.status_code == 200, pushed.text
    page = client.get("/api/sync/pull", params={"cursor": 0}, headers=alice).json()
    assert page["monitors"][0]["spec"]["tags"] == [PROD]
