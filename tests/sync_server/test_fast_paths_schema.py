"""The fast paths answer exactly what /openapi.json says they do.

The monitor list and check pages are JSON made by PostgreSQL and sent on as text, and the
create, get, update and pull answers are models built from our own rows without validating
them again (sync_server/monitors/read_model.py, sync_server/sync/read_model.py): nothing on
the way checks them against the response models. Here the real app answers real requests
and every body is validated against the published schema of its operation and status, with
every object that lists its properties closed, so a key the schema does not declare fails.
"""

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

from shared.result import Source, result_id, to_ms
from tests.support.personas import ALICE, BOB

T0 = datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)
SHOP = {"name": "Shop", "url": "https://shop.example.com", "interval": 60}
API = {"name": "API \"v2\" <ü>", "url": "https://api.example.com/health?x=1&y=2",
       "method": "POST", "headers": {"X-Token": "abc"}, "body": '{"ping": true}\n',
       "expected_status": "200,204", "keyword": "ok", "keyword_absent": True,
       "degraded_after_ms": 800, "reminder_minutes": 30, "follow_redirects": False,
       "verify_tls": False, "confirmations": 3, "timeout": 7.5, "cloud": True}  # fmt: skip
CHECK = text(
    "INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms, error,"
    " checked_at, source) VALUES (:id, :monitor, :status, :code, :ms, :error, :at, 'cloud')"
)


def closed(schema: Any) -> Any:
    """Return the schema with additionalProperties false on every object listing its
    properties that does not say otherwise."""
    if isinstance(schema, dict):
        shut = {key: closed(value) for key, value in schema.items()}
        if "properties" in shut:
            shut.setdefault("additionalProperties", False)
        return shut
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


class Published:
    """The app's /openapi.json, asked for the schema of one operation's answer."""

    def __init__(self, client: TestClient) -> None:
        self.document = client.get("/openapi.json").json()
        self.components = closed(copy.deepcopy(self.document["components"]))

    def check(self, method: str, path: str, answer: Response) -> Any:
        """Validate the answer's body against its operation's schema for its status; return
        the body."""
        responses = self.document["paths"][path][method.lower()]["responses"]
        status = str(answer.status_code)
        assert status in responses, f"{method} {path} does not declare {status}"
        content = responses[status]["content"]
        media_type = answer.headers["content-type"].split(";")[0]
        assert media_type in content, f"{method} {path} {status} does not declare {media_type}"
        schema = {**closed(content[media_type]["schema"]), "components": self.components}
        body = answer.json()
        jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(body)
        return body


def sign_in(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    client.post("/api/auth/register", json=who)
    token = client.post("/api/auth/login", json=who).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def add_checks(db: Engine, monitor_id: str, count: int) -> None:
    rows = [{"id": uuid.uuid4(), "monitor": monitor_id, "status": "down" if n % 2 else "up",
             "code": None if n % 3 == 2 else (503 if n % 2 else 200), "ms": 100 + n,
             "error": "expected 200-299, got 503" if n % 2 else None,
             "at": T0 + timedelta(minutes=n)} for n in range(count)]  # fmt: skip
    with db.begin() as conn:
        conn.execute(CHECK, rows)


@pytest.fixture
def published(client: TestClient) -> Published:
    return Published(client)


def test_the_monitor_answers_match_the_published_schema(
    client: TestClient, db: Engine, published: Published
) -> None:
    alice = sign_in(client, ALICE)
    with db.begin() as conn:  # a plan with cloud checks, so the cloud monitor is kept
        conn.execute(text("UPDATE users SET plan = 'business'"))
    created = [client.post("/api/monitors", json=body, headers=alice) for body in (SHOP, API)]
    ids = [published.check("POST", "/api/monitors", answer)["id"] for answer in created]
    listed = published.check("GET", "/api/monitors", client.get("/api/monitors", headers=alice))
    assert [monitor["id"] for monitor in listed] == ids
    one = client.get(f"/api/monitors/{ids[1]}", headers=alice)
    assert published.check("GET", "/api/monitors/{monitor_id}", one) == listed[1]
    moved = client.put(f"/api/monitors/{ids[0]}", json={**SHOP, "interval": 120}, headers=alice)
    assert published.check("PUT", "/api/monitors/{monitor_id}", moved)["interval"] == 120
    client.delete(f"/api/monitors/{ids[1]}", headers=alice)
    empty_of_api = client.get("/api/monitors", headers=alice)
    assert len(published.check("GET", "/api/monitors", empty_of_api)) == 1
    bob = sign_in(client, BOB)
    nothing = published.check("GET", "/api/monitors", client.get("/api/monitors", headers=bob))
    assert nothing == []


def test_every_kind_of_checks_page_matches_the_published_schema(
    client: TestClient, db: Engine, published: Published
) -> None:
    alice = sign_in(client, ALICE)
    shop = client.post("/api/monitors", json=SHOP, headers=alice).json()["id"]
    add_checks(db, shop, 7)
    path = "/api/monitors/{monitor_id}/checks"
    url = f"/api/monitors/{shop}/checks"
    first = published.check("GET", path, client.get(url, params={"limit": 3}, headers=alice))
    assert len(first["items"]) == 3
    assert first["next_before"] is not None
    pages = [
        {"limit": 3, "before": first["next_before"]},
        {"since": (T0 + timedelta(minutes=4)).isoformat()},
        {"before": T0.isoformat()},  # nothing before the first check: an empty page
        {"limit": 2, "before": first["next_before"],
         "since": (T0 + timedelta(minutes=1)).isoformat()},
    ]  # fmt: skip
    bodies = [published.check("GET", path, client.get(url, params=p, headers=alice)) for p in pages]
    assert [len(body["items"]) for body in bodies] == [3, 3, 0, 2]
    assert bodies[2] == {"items": [], "next_before": None}
    bob = sign_in(client, BOB)
    refused = client.get(url, headers=bob)
    assert refused.status_code == 404
    published.check("GET", path, refused)


def test_a_pull_matches_the_published_schema(
    client: TestClient, db: Engine, published: Published
) -> None:
    alice = sign_in(client, ALICE)
    shop, gone = uuid.uuid4(), uuid.uuid4()
    spec = {**SHOP, "created_at": T0.isoformat(), "updated_at": T0.isoformat()}
    monitors = [{"id": str(m), "updated_at": T0.isoformat(), "spec": {**spec, "id": str(m)}}
                for m in (shop, gone)]  # fmt: skip
    laptop = [{"id": str(result_id(shop, to_ms(T0), Source.LOCAL)), "monitor_id": str(shop),
               "status": "up", "status_code": 200, "response_time_ms": 42,
               "checked_at": T0.isoformat()}]  # fmt: skip
    pushed = client.post(
        "/api/sync/push",
        json={"device_id": "laptop", "device_name": "Laptop", "monitors": monitors,
              "results": laptop},
        headers=alice,
    )  # fmt: skip
    published.check("POST", "/api/sync/push", pushed)
    deleted = {"id": str(gone), "updated_at": (T0 + timedelta(seconds=1)).isoformat(),
               "deleted": True}  # fmt: skip
    client.post("/api/sync/push", json={"device_id": "laptop", "monitors": [deleted]},
                headers=alice)  # fmt: skip
    add_checks(db, str(shop), 3)
    with db.begin() as conn:  # within the last day, which a device's first pull brings
        conn.execute(text("UPDATE checks SET checked_at = now() - interval '1 hour'"))
    answer = client.get("/api/sync/pull", params={"device_id": "desk"}, headers=alice)
    body = published.check("GET", "/api/sync/pull", answer)
    assert {m["id"]: m["spec"] is None for m in body["monitors"]} == {
        str(shop): False,
        str(gone): True,
    }
    assert sorted(r["origin"] for r in body["results"]) == ["Laptop", "cloud", "cloud", "cloud"]
