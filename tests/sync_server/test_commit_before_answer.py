"""Every write is committed before its answer is sent, as a client of the real server sees it.

The API is served by uvicorn (tests/support/api_server.py): an in-process test client waits
for the whole request, clean-up included, before it hands back the answer, so it would hide
an answer sent ahead of its commit. Each write goes out on one connection and the read that
follows it at once on another, as two requests of a client with a connection pool can.
"""

from collections.abc import Iterator

import httpx
import pytest

from tests.support.api_server import ApiServer
from tests.support.personas import ALICE
from tests.support.postgres import PostgresServer

ROUNDS = 200
NEW_ACCOUNTS = 50  # each costs two password hashes
HIGH = "100000/minute"
pytestmark = pytest.mark.slow


@pytest.fixture
def server(postgres: PostgresServer) -> Iterator[ApiServer]:
    """The API for real, with rate limits far above what these tests send."""
    api = ApiServer(
        postgres.url("upwatch_test"),
        rate_limit_ip=HIGH,
        rate_limit_user=HIGH,
        rate_limit_login_ip=HIGH,
        rate_limit_login_email=HIGH,
    )
    api.empty()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def writer(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def reader(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def sign_in(client: httpx.Client) -> dict[str, str]:
    """Bearer headers of a new session of Alice."""
    response = client.post("/api/auth/login", json=ALICE)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_channel_just_created_is_always_in_the_list(
    writer: httpx.Client, reader: httpx.Client
) -> None:
    """200 times: create an alert channel, then list at once on another connection."""
    assert writer.post("/api/auth/register", json=ALICE).status_code == 202
    alice = sign_in(writer)
    misses = []
    for n in range(ROUNDS):
        body = {"name": f"Ops {n}", "config": {"type": "email", "to": "ops@example.com"}}
        created = writer.post("/api/alert-channels", json=body, headers=alice)
        assert created.status_code == 201, created.text
        listed = reader.get("/api/alert-channels", headers=alice)
        if created.json()["id"] not in {channel["id"] for channel in listed.json()}:
            misses.append(n)
    assert misses == []


def test_a_signed_out_token_never_reads_me_again(
    writer: httpx.Client, reader: httpx.Client
) -> None:
    """200 times: sign in, sign out, then read /api/auth/me with that token on another
    connection: always 401."""
    assert writer.post("/api/auth/register", json=ALICE).status_code == 202
    misses = []
    for n in range(ROUNDS):
        alice = sign_in(writer)
        assert writer.post("/api/auth/logout", headers=alice).status_code == 204
        if reader.get("/api/auth/me", headers=alice).status_code != 401:
            misses.append(n)
    assert misses == []


def test_an_account_just_registered_can_sign_in_at_once(
    writer: httpx.Client, reader: httpx.Client
) -> None:
    """50 new accounts, each signing in on another connection the moment register answers."""
    misses = []
    for n in range(NEW_ACCOUNTS):
        who = {"email": f"user{n}@example.com", "password": "correct horse battery"}
        assert writer.post("/api/auth/register", json=who).status_code == 202
        if reader.post("/api/auth/login", json=who).status_code != 200:
            misses.append(n)
    assert misses == []
