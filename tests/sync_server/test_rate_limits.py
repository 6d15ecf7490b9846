"""Rate limits: per IP and per user, behind proxies, through Redis, and on sign-in."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.ratelimit import client_ip, normalized_email
from tests.support.redis import RedisServer
from tests.sync_server.conftest import SECRET

PASSWORD = "long password 1"


@pytest.fixture
def limited(settings: ServerSettings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"rate_limit_user": "5/hour"}))
    with TestClient(app) as test_client:
        yield test_client


def test_the_101st_request_in_a_minute_gets_429_with_retry_after(limited: TestClient) -> None:
    """Spoofed forwarding headers from an untrusted peer change nothing."""
    spoofs = ["X-Forwarded-For", "X_FORWARDED_FOR", "Forwarded", "X-Real-IP"]
    for index in range(100):
        header = spoofs[index % len(spoofs)]
        response = limited.get("/api/monitors", headers={header: f"6.6.6.{index}"})
        assert response.status_code == 401  # counted, then refused for want of a token
    refused = limited.get("/api/monitors", headers={"X-Forwarded-For": "7.7.7.7"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Limit"] == "100"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert limited.get("/healthz").status_code == 200  # health checks are never limited


def test_a_forged_token_does_not_get_a_bucket_of_its_own(limited: TestClient) -> None:
    """An unverifiable bearer token is limited by IP only; a real user by user too."""
    for _ in range(8):
        response = limited.get("/api/monitors", headers={"Authorization": "Bearer forged.token.x"})
        assert response.status_code == 401
    limited.post(
        "/api/auth/register", json={"email": "a@example.com", "password": "long password 1"}
    )
    token = limited.post(
        "/api/auth/login", json={"email": "a@example.com", "password": "long password 1"}
    ).json()["access_token"]
    codes = [
        limited.get("/api/monitors", headers={"Authorization": f"Bearer {token}"}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_counts() -> None:
    """Behind a trusted proxy, the rightmost untrusted X-Forwarded-For address counts."""
    trusted = frozenset({"10.0.0.1"})
    assert client_ip(request_from("10.0.0.1", "6.6.6.6, 203.0.113.9"), trusted) == "203.0.113.9"
    assert client_ip(request_from("198.51.100.7", "203.0.113.9"), trusted) == "198.51.100.7"


def test_ipv6_clients_in_one_64_share_a_bucket() -> None:
    """IPv6 clients in one /64 share a bucket."""
    first = client_ip(request_from("2001:db8:1:2::1"), frozenset())
    second = client_ip(request_from("2001:db8:1:2:ffff::9"), frozenset())
    assert first == second == "2001:db8:1:2::/64"


def test_trusting_every_proxy_is_refused() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        ServerSettings(jwt_secret=SECRET, trusted_proxies=["*"])


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def test_two_api_instances_on_one_redis_share_their_counters(
    settings: ServerSettings, client: TestClient, redis: RedisServer
) -> None:
    """60 + 60 requests from one IP to two instances → requests 101–120 refused."""
    shared = settings.model_copy(update={"redis_url": redis.url})
    with TestClient(create_app(shared)) as first, TestClient(create_app(shared)) as second:
        codes = [first.get("/api/monitors").status_code for _ in range(60)]
        codes += [second.get("/api/monitors").status_code for _ in range(60)]
    assert codes == [401] * 100 + [429] * 20


def test_with_redis_down_sign_in_fails_closed_and_reads_go_on(
    settings: ServerSettings, client: TestClient, redis: RedisServer
) -> None:
    """Redis down: no 500 and no hang; sign-in answers 503, signed-in reads still work."""
    who = {"email": "a@example.com", "password": PASSWORD}
    with TestClient(create_app(settings.model_copy(update={"redis_url": redis.url}))) as api:
        api.post("/api/auth/register", json=who)
        token = api.post("/api/auth/login", json=who).json()["access_token"]
        redis.stop()
        started = time.monotonic()
        login = api.post("/api/auth/login", json=who)
        register = api.post("/api/auth/register", json={**who, "email": "b@example.com"})
        read = api.get("/api/monitors", headers={"Authorization": f"Bearer {token}"})
        elapsed = time.monotonic() - started
    assert (login.status_code, register.status_code, read.status_code) == (503, 503, 200)
    assert login.json()["error"]["code"] == "unavailable"
    assert login.headers["Retry-After"] == "30"
    assert elapsed < 10


def test_the_21st_sign_in_from_one_ip_in_an_hour_is_refused(client: TestClient) -> None:
    """Failed sign-ins per IP: every failure counts, whatever mailbox it names."""
    codes = [
        client.post(
            "/api/auth/login", json={"email": f"u{n}@example.com", "password": PASSWORD}
        ).status_code
        for n in range(21)
    ]
    assert codes == [401] * 20 + [429]


def test_the_11th_failed_sign_in_for_one_mailbox_from_one_ip_is_refused(
    client: TestClient,
) -> None:
    """Failures per normalized email and IP: dots and +tags make no new key."""
    spellings = [
        "alice@example.com",
        "A.lice@example.com",
        "alice+x@Example.com",
        "al.ice+1@example.com",
    ]
    codes = [
        client.post(
            "/api/auth/login", json={"email": spellings[n % 4], "password": "wrong password!"}
        ).status_code
        for n in range(11)
    ]
    assert codes == [401] * 10 + [429]
    assert normalized_email(" Al.Ice+Tag@Example.COM ") == "alice@example.com"
