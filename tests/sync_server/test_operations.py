"""Operations: /metrics, one JSON error shape, structured logs, Sentry, the read replica."""

import gzip
import io
import json
import logging
from collections.abc import Iterator

import pytest
import sentry_sdk
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.ops.logs import JsonFormatter, scrub
from tests.support.personas import ALICE
from tests.support.postgres import PostgresServer
from tests.support.webhook import WebhookReceiver


def sign_in(api: TestClient) -> dict[str, str]:
    api.post("/api/auth/register", json=ALICE)
    tokens: dict[str, str] = api.post("/api/auth/login", json=ALICE).json()
    return tokens


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/api/monitors")
    client.get("/api/monitors")
    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    line = 'upwatch_http_requests_total{method="GET",route="/api/monitors",status="401"} 2.0'
    assert line in page.text
    assert "upwatch_http_request_duration_seconds_bucket" in page.text


def test_metrics_are_refused_to_the_public(settings: ServerSettings, client: TestClient) -> None:
    app = create_app(settings)
    with TestClient(app, client=("8.8.4.4", 4000)) as outsider:
        refused = outsider.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    token = "scrape-token-0123456789"
    with TestClient(create_app(settings.model_copy(update={"metrics_token": token}))) as api:
        assert api.get("/metrics").status_code == 403
        assert api.get("/metrics", headers={"Authorization": f"Bearer {token}"}).is_success


def boom_app(settings: ServerSettings) -> FastAPI:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the database caught fire")

    return app


def test_every_error_has_the_one_json_shape(settings: ServerSettings, client: TestClient) -> None:
    with TestClient(boom_app(settings), raise_server_exceptions=False) as api:
        answers = {
            404: api.get("/api/nowhere"),
            405: api.patch("/api/monitors"),
            422: api.post(
                "/api/auth/login",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            401: api.get("/api/auth/me"),
            500: api.get("/boom", headers={"X-Request-ID": "req-42"}),
        }
    for status, response in answers.items():
        assert response.status_code == status
        error = response.json()["error"]
        assert set(error) == {"code", "message"}
        assert error["message"]
    assert answers[500].json()["error"]["code"] == "internal"
    assert "req-42" in answers[500].json()["error"]["message"]
    assert "fire" not in answers[500].text  # no internals leak
    assert 'route="/boom",status="500"' in api.get("/metrics").text
    assert answers[500].headers["X-Request-ID"] == "req-42"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_sign_in_flow_logs_json_lines_without_secrets(
    client: TestClient, json_log: io.StringIO
) -> None:
    """No tokens, passwords, Authorization or Cookie values in the logs."""
    tokens = sign_in(client)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    client.get("/api/auth/me", headers=bearer)
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})  # reuse
    client.post(
        "/api/auth/logout", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    )
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "upwatch.access"]
    assert {line["route"] for line in access} >= {"/api/auth/login", "/api/auth/refresh"}
    assert all(
        {"time", "level", "request_id", "status", "duration_ms"} <= set(line) for line in access
    )
    assert any("refresh token reused" in line["message"] for line in lines)
    whole = json_log.getvalue()
    for secret in (tokens["access_token"], tokens["refresh_token"], ALICE["password"]):
        assert secret not in whole


def test_scrub_removes_credentials_from_any_message() -> None:
    message = (
        "Authorization: Bearer abc.def.ghi; url https://user:hunter2@example.com/x "
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"
    )
    cleaned = scrub(message)
    assert "hunter2" not in cleaned
    assert "abc.def.ghi" not in cleaned
    assert "eyJhbGciOiJIUzI1NiJ9" not in cleaned


@pytest.fixture
def sentry_off_after() -> Iterator[None]:
    yield
    sentry_sdk.init(dsn=None)  # the SDK is process-wide: switch it off for the next tests


def test_unexpected_errors_reach_sentry_without_credentials(
    settings: ServerSettings, client: TestClient, webhook: WebhookReceiver, sentry_off_after: None
) -> None:
    """A 500 is reported to the SENTRY_DSN server: the error, not the Authorization header."""
    dsn = f"http://publickey@{webhook.host}:{webhook.port}/42"
    app = boom_app(settings.model_copy(update={"sentry_dsn": dsn}))
    with TestClient(app, raise_server_exceptions=False) as api:
        answer = api.get("/boom", headers={"Authorization": "Bearer very-secret-token"})
        assert answer.status_code == 500
        sentry_sdk.flush(timeout=5)
    envelopes = [r for r in webhook.wait_for(1, timeout=10) if "/api/42/envelope" in r.path]
    assert envelopes
    body = envelopes[0].body
    if body.startswith(b"\x1f\x8b"):
        body = gzip.decompress(body)
    assert b"the database caught fire" in body
    assert b"very-secret-token" not in body


def test_check_history_is_read_from_the_read_replica(
    postgres: PostgresServer, settings: ServerSettings, client: TestClient
) -> None:
    """DATABASE_READ_URL: history reads use it; a read-only role proves they do not write."""
    admin = create_engine(postgres.url("upwatch_test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS reader"))
        conn.execute(text("CREATE ROLE reader LOGIN"))
        conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader"))
    admin.dispose()
    read_url = postgres.url("upwatch_test").replace("postgres@", "reader@", 1)
    assert "reader@" in read_url
    app = create_app(settings.model_copy(update={"database_read_url": read_url}))
    with TestClient(app) as api:
        bearer = {"Authorization": f"Bearer {sign_in(api)['access_token']}"}
        made = api.post(
            "/api/monitors", json={"url": "https://a.example", "interval": 60}, headers=bearer
        )
        page = api.get(f"/api/monitors/{made.json()['id']}/checks", headers=bearer)
        assert page.status_code == 200
        assert page.json() == {"items": [], "next_before": None}
        assert app.state.read_engine is not app.state.engine
        assert app.state.read_engine.pool.checkedin() >= 1
