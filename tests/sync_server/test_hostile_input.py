"""Hostile input gets a 4xx JSON answer that names the field, and changes nothing.

A NUL character (which PostgreSQL refuses in text) or a lone surrogate (which no UTF-8 store
takes) in any text field, JSON nested deeper than a parser goes, a webhook body that is not
UTF-8, a cursor past PostgreSQL's bigint, and patterns whose end (`$`) lets a trailing
newline through.
"""

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.config import ServerSettings
from tests.support.fake_stripe import FakeStripe, billing_settings, event, signed
from tests.support.personas import ALICE
from tests.support.postgres import PostgresServer
from tests.sync_server.conftest import SECRET

NUL = "\x00"
SURROGATE = "\ud800"
DEEP = 100_000  # far past any JSON parser's nesting limit
NOW = datetime.now(UTC).isoformat()
MONITOR = {"name": "Shop", "url": "https://shop.example.com", "interval": 60}
CHANNEL = {"name": "Ops", "config": {"type": "email", "to": "ops@example.com"}}
PAGE = {"slug": "acme-status", "title": "Acme", "description": "All of it"}
TABLES = ("monitors", "alert_channels", "status_pages", "checks")


@pytest.fixture
def settings(postgres: PostgresServer, stripe_api: FakeStripe) -> ServerSettings:
    """Overrides conftest's: billing on, so the Stripe webhook verifies signatures."""
    return ServerSettings(
        database_url=postgres.url("upwatch_test"),
        jwt_secret=SECRET,
        **billing_settings("sk_test_0123456789", stripe_api.base_url),
    )


@pytest.fixture
def alice(client: TestClient) -> dict[str, str]:
    client.post("/api/auth/register", json=ALICE)
    token = client.post("/api/auth/login", json=ALICE).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def counts(db: Engine) -> dict[str, int]:
    with db.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def refused(response: Any, status: int, field: str) -> None:
    """The answer is `status` with the one JSON error shape, and its message names `field`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]["message"]
    assert re.search(rf"(^|[ .]){re.escape(field)}\b", message), message


def send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """Send body as JSON with every non-ASCII character escaped (a lone surrogate included)."""
    raw = json.dumps(body).encode()
    return client.request(
        method, path, content=raw, headers={**headers, "Content-Type": "application/json"}
    )


def a_push(**fields: Any) -> dict[str, Any]:
    return {"device_id": "laptop", **fields}


def a_result(monitor_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "monitor_id": monitor_id, "status": "down",
            "checked_at": NOW, **fields}  # fmt: skip


def a_monitor_change(**spec: Any) -> dict[str, Any]:
    monitor_id = str(uuid.uuid4())
    fields = {"id": monitor_id, **MONITOR, "created_at": NOW, "updated_at": NOW, **spec}
    return {"id": monitor_id, "updated_at": NOW, "spec": fields}


# (what is sent where, the field the answer must name), for each bad character
WRITES = [
    ("POST", "/api/monitors", lambda bad: {**MONITOR, "name": f"Sh{bad}op"}, "name"),
    ("POST", "/api/monitors", lambda bad: {**MONITOR, "keyword": bad}, "keyword"),
    ("POST", "/api/monitors", lambda bad: {**MONITOR, "method": "POST", "body": bad}, "body"),
    ("POST", "/api/monitors", lambda bad: {**MONITOR, "headers": {"X-A": bad}}, "headers.X-A"),
    ("POST", "/api/alert-channels", lambda bad: {**CHANNEL, "name": f"O{bad}ps"}, "name"),
    ("POST", "/api/status-pages", lambda bad: {**PAGE, "title": f"A{bad}"}, "title"),
    ("POST", "/api/status-pages", lambda bad: {**PAGE, "description": bad}, "description"),
    (
        "POST",
        "/api/sync/push",
        lambda bad: a_push(monitors=[a_monitor_change(name=f"Shop{bad}")]),
        "monitors.0.spec.name",
    ),
    ("POST", "/api/sync/push", lambda bad: a_push(device_name=f"pc{bad}"), "device_name"),
]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize(("method", "path", "body", "field"), WRITES)
def test_unstorable_text_in_any_field_is_refused_by_name_and_nothing_is_written(
    client: TestClient,
    alice: dict[str, str],
    db: Engine,
    bad: str,
    method: str,
    path: str,
    body: Any,
    field: str,
) -> None:
    before = counts(db)
    response = send(client, method, path, body(bad), alice)
    refused(response, 422, field)
    assert counts(db) == before


def test_an_error_text_with_a_nul_in_a_pushed_result_is_refused_and_nothing_is_stored(
    client: TestClient, alice: dict[str, str], db: Engine
) -> None:
    monitor = client.post("/api/monitors", json=MONITOR, headers=alice).json()["id"]
    before = counts(db)
    results = [a_result(monitor), a_result(monitor, error=f"timeout{NUL}")]
    response = client.post("/api/sync/push", json=a_push(results=results), headers=alice)
    refused(response, 422, "results.1.error")
    assert counts(db) == before


def test_an_update_with_a_nul_changes_nothing(client: TestClient, alice: dict[str, str]) -> None:
    created = client.post("/api/monitors", json=MONITOR, headers=alice).json()
    path = f"/api/monitors/{created['id']}"
    refused(client.put(path, json={**MONITOR, "name": NUL}, headers=alice), 422, "name")
    assert client.get(path, headers=alice).json()["name"] == "Shop"


def test_a_nul_in_a_query_parameter_is_refused_by_name(
    client: TestClient, alice: dict[str, str]
) -> None:
    response = client.get("/api/sync/pull", params={"results_cursor": NUL}, headers=alice)
    refused(response, 422, "results_cursor")


def test_a_text_that_only_looks_like_an_escape_is_kept_as_sent(
    client: TestClient, alice: dict[str, str]
) -> None:
    """A backslash before u0000, and an emoji written as a surrogate pair, are fine text."""
    raw = json.dumps({**MONITOR, "name": "C:\\u0000 \U0001f600"}).encode()
    assert b"\\\\u0000" in raw
    assert b"\\ud83d\\ude00" in raw
    created = client.post("/api/monitors", content=raw, headers={**alice,
                          "Content-Type": "application/json"})  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "C:\\u0000 \U0001f600"


def test_a_deeply_nested_sign_in_body_is_a_client_error(client: TestClient) -> None:
    raw = b"[" * DEEP + b"]" * DEEP
    response = client.post(
        "/api/auth/login", content=raw, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    raw = b'{"email": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    response = client.post(
        "/api/auth/login", content=raw, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text


def test_a_deeply_nested_signed_stripe_event_is_refused(client: TestClient) -> None:
    raw = json.dumps(event("invoice.paid", {})).encode()
    raw = raw[:-1] + b', "deep": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    body, headers = signed(raw)
    refused(client.post("/api/webhooks/stripe", content=body, headers=headers), 400, "body")


def test_a_stripe_body_that_is_not_utf8_is_refused_before_its_signature(
    client: TestClient,
) -> None:
    body, headers = signed(b'{"id": "evt_\xff\xfe"}')
    refused(client.post("/api/webhooks/stripe", content=body, headers=headers), 400, "body")


def test_a_pull_cursor_past_bigint_is_refused_by_name(
    client: TestClient, alice: dict[str, str]
) -> None:
    response = client.get("/api/sync/pull?cursor=9223372036854775808", headers=alice)
    refused(response, 422, "cursor")
    assert client.get("/api/sync/pull?cursor=9223372036854775807", headers=alice).status_code == 200


def test_a_reserved_slug_with_a_trailing_newline_is_refused(
    client: TestClient, alice: dict[str, str], db: Engine
) -> None:
    for slug in ("admin\n", "acme-status\n"):
        response = client.post("/api/status-pages", json={**PAGE, "slug": slug}, headers=alice)
        refused(response, 422, "slug")
    assert counts(db)["status_pages"] == 0


def test_pushed_times_with_zone_offsets_postgresql_cannot_hold_are_stored_in_utc(
    client: TestClient, alice: dict[str, str]
) -> None:
    """ISO 8601 allows offsets like -16:05; PostgreSQL holds ±15:59 at most."""
    monitor = client.post("/api/monitors", json=MONITOR, headers=alice).json()["id"]
    odd = "2026-11-26T12:00:00-16:05"
    incident = {"id": str(uuid.uuid4()), "monitor_id": monitor, "started_at": odd,
                "ended_at": "0835-04-17T09:24:26-09:27", "first_error": None}  # fmt: skip
    result = a_result(monitor, checked_at=odd)
    response = client.post(
        "/api/sync/push", json=a_push(incidents=[incident], results=[result]), headers=alice
    )
    assert response.status_code == 200, response.text
