"""Status pages on the owner's API: create, list, update, delete, slugs, plans, ownership."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.personas import ALICE, BOB
from tests.sync_server.conftest import login


def add_monitor(client: TestClient, headers: dict[str, str], name: str) -> str:
    body = {"url": f"https://{name}.example.com", "name": name}
    monitor_id: str = client.post("/api/monitors", json=body, headers=headers).json()["id"]
    return monitor_id


def page_body(slug: str, monitor_ids: list[str], **fields: object) -> dict[str, object]:
    return {"slug": slug, "title": "Acme status", "monitor_ids": monitor_ids, **fields}


def test_an_owner_publishes_lists_edits_and_deletes_a_page(client: TestClient) -> None:
    alice = login(client, ALICE)
    api, web = add_monitor(client, alice, "api"), add_monitor(client, alice, "web")
    created = client.post(
        "/api/status-pages", json=page_body("acme", [web, api], description="Our services")
    )
    assert created.status_code == 401
    created = client.post(
        "/api/status-pages",
        json=page_body("acme", [web, api], description="Our services"),
        headers=alice,
    )
    assert created.status_code == 201, created.text
    page = created.json()
    assert (page["slug"], page["title"], page["description"], page["published"]) == (
        "acme", "Acme status", "Our services", True,
    )  # fmt: skip
    assert page["monitor_ids"] == [web, api]  # in the order given
    assert page["url"].endswith("/s/acme")
    assert [p["id"] for p in client.get("/api/status-pages", headers=alice).json()] == [page["id"]]

    updated = client.put(
        f"/api/status-pages/{page['id']}",
        json=page_body("acme-status", [api], title="Acme"),
        headers=alice,
    ).json()
    assert (updated["slug"], updated["title"], updated["monitor_ids"]) == (
        "acme-status",
        "Acme",
        [api],
    )
    assert updated["seq"] > page["seq"]
    assert client.get(f"/api/status-pages/{page['id']}", headers=alice).json() == updated

    assert client.delete(f"/api/status-pages/{page['id']}", headers=alice).status_code == 204
    assert client.get("/api/status-pages", headers=alice).json() == []
    assert client.get(f"/api/status-pages/{page['id']}", headers=alice).status_code == 404


def test_a_deleted_monitor_leaves_the_page(client: TestClient) -> None:
    alice = login(client, ALICE)
    api, web = add_monitor(client, alice, "api"), add_monitor(client, alice, "web")
    page = client.post("/api/status-pages", json=page_body("acme", [api, web]), headers=alice)
    client.delete(f"/api/monitors/{api}", headers=alice)
    again = client.get(f"/api/status-pages/{page.json()['id']}", headers=alice).json()
    assert again["monitor_ids"] == [web]


@pytest.mark.parametrize(
    "slug",
    ["Acme", "ab", "-acme", "acme-", "ac--me", "acme status", "../acme", "acme/x", "ácme",
     "a" * 61, "api", "status", ""],
)  # fmt: skip
def test_a_slug_that_is_not_one_is_refused_with_a_message(client: TestClient, slug: str) -> None:
    alice = login(client, ALICE)
    answer = client.post("/api/status-pages", json=page_body(slug, []), headers=alice)
    assert answer.status_code == 422
    assert "slug" in answer.text
    assert client.get("/api/status-pages", headers=alice).json() == []


@pytest.mark.parametrize(
    "fields",
    [{"title": ""}, {"title": "x" * 101}, {"description": "x" * 1001}, {"unknown": 1},
     {"monitor_ids": ["not-a-uuid"]}],
)  # fmt: skip
def test_bad_fields_are_refused(client: TestClient, fields: dict[str, object]) -> None:
    alice = login(client, ALICE)
    answer = client.post(
        "/api/status-pages", json={**page_body("acme", []), **fields}, headers=alice
    )
    assert answer.status_code == 422


def test_a_monitor_listed_twice_is_refused(client: TestClient) -> None:
    alice = login(client, ALICE)
    api = add_monitor(client, alice, "api")
    answer = client.post("/api/status-pages", json=page_body("acme", [api, api]), headers=alice)
    assert answer.status_code == 422
    assert "twice" in answer.text


def test_a_slug_is_one_page_across_accounts_until_that_page_is_deleted(client: TestClient) -> None:
    alice, bob = login(client, ALICE), login(client, BOB)
    first = client.post("/api/status-pages", json=page_body("acme", []), headers=alice).json()
    taken = client.post("/api/status-pages", json=page_body("acme", []), headers=bob)
    assert taken.status_code == 409
    assert "acme is taken" in taken.json()["error"]["message"]
    client.delete(f"/api/status-pages/{first['id']}", headers=alice)
    assert (
        client.post("/api/status-pages", json=page_body("acme", []), headers=bob).status_code == 201
    )


def test_the_free_plan_has_one_page_and_business_has_no_limit(
    client: TestClient, db: Engine
) -> None:
    alice = login(client, ALICE)
    assert (
        client.post("/api/status-pages", json=page_body("one", []), headers=alice).status_code
        == 201
    )
    second = client.post("/api/status-pages", json=page_body("two", []), headers=alice)
    assert second.status_code == 403
    assert second.json()["error"]["code"] == "plan_limit"
    assert "free plan has 1 status page" in second.json()["error"]["message"]
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET plan = 'business'"))
    for n in range(12):
        made = client.post("/api/status-pages", json=page_body(f"page-{n}", []), headers=alice)
        assert made.status_code == 201


def test_another_accounts_page_and_monitors_are_not_found(client: TestClient) -> None:
    """Bob using Alice's ids gets 404 (or 422 for her monitors in his body), never data."""
    alice, bob = login(client, ALICE), login(client, BOB)
    api = add_monitor(client, alice, "api")
    page = client.post("/api/status-pages", json=page_body("acme", [api]), headers=alice).json()
    path = f"/api/status-pages/{page['id']}"
    assert client.get(path, headers=bob).status_code == 404
    assert client.put(path, json=page_body("mine", []), headers=bob).status_code == 404
    assert client.delete(path, headers=bob).status_code == 404
    assert client.get("/api/status-pages", headers=bob).json() == []
    stolen = client.post("/api/status-pages", json=page_body("bobs", [api]), headers=bob)
    assert stolen.status_code == 422
    assert client.get(f"/api/status-pages/{uuid.uuid4()}", headers=alice).status_code == 404
    assert client.get(path, headers=alice).json()["monitor_ids"] == [api]
