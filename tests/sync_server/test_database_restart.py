"""The API through a PostgreSQL restart: 503 with Retry-After while the
database is away, back by itself without a restart of the API, nothing stored twice."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from sync_server.db import libpq_url
from sync_server.migrations.runner import upgrade
from tests.support.api_server import ApiServer
from tests.support.personas import ALICE
from tests.support.postgres import PostgresServer


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own: restarting the shared one would upset the others."""
    server = PostgresServer().start()
    try:
        with psycopg.connect(libpq_url(server.url()), autocommit=True) as conn:
            conn.execute("CREATE DATABASE upwatch")
        upgrade(server.url("upwatch"))
        yield server
    finally:
        server.stop()


def test_the_api_answers_503_while_postgresql_restarts_and_recovers_by_itself(
    own_postgres: PostgresServer,
) -> None:
    api = ApiServer(own_postgres.url("upwatch")).start()
    try:
        with httpx.Client(base_url=api.url, timeout=10) as http:
            http.post("/api/auth/register", json=ALICE)
            token = http.post("/api/auth/login", json=ALICE).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = {"url": "https://shop.example.com", "name": "Shop"}
            assert http.post("/api/monitors", json=body, headers=headers).status_code == 201
            for _ in range(5):  # several pooled connections, all about to go stale
                assert http.get("/api/monitors", headers=headers).status_code == 200
            own_postgres.restart()
            answers = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                answer = http.get("/api/monitors", headers=headers)
                answers.append(answer.status_code)
                if answer.status_code == 503:
                    assert answer.headers["retry-after"] == "5"
                    assert answer.json()["error"]["code"] == "unavailable"
                if answers[-3:] == [200, 200, 200]:
                    break
                time.sleep(0.1)
            assert set(answers) <= {200, 503}, answers
            # the first stale connection met drops the others with it (no pool pre-ping)
            assert answers.count(503) <= 1, answers
            assert answers[-3:] == [200, 200, 200], answers
            listed = http.get("/api/monitors", headers=headers).json()
            assert [m["name"] for m in listed] == ["Shop"]
    finally:
        api.stop()
