"""Failed sign-ins slow whoever fails, never the owner signing in from an address of theirs.

Alice owns the account; Mallory guesses her password. Each request says its client address
in X-Forwarded-For, which the app trusts because the test client is set as a trusted proxy.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.counters import LocalCounters
from tests.support.personas import ALICE, ALICE_EMAIL, ALICE_HOME, MALLORY
from tests.support.redis import RedisServer

GUESS = {"email": ALICE_EMAIL, "password": "wrong password!"}


def sign_in(api: TestClient, body: dict[str, str], address: str) -> int:
    """The status of one sign-in from address."""
    return api.post("/api/auth/login", json=body, headers={"X-Forwarded-For": address}).status_code


def behind_proxy(settings: ServerSettings, **update: object) -> ServerSettings:
    return settings.model_copy(update={"trusted_proxies": ["testclient"], **update})


@pytest.fixture
def api(settings: ServerSettings, client: TestClient) -> Iterator[TestClient]:
    """The API (on the emptied database) behind a trusted proxy, with Alice registered."""
    with TestClient(create_app(behind_proxy(settings))) as proxied:
        assert proxied.post("/api/auth/register", json=ALICE).status_code == 202
        yield proxied


def test_fifty_guesses_from_one_address_do_not_lock_alice_out_at_home(api: TestClient) -> None:
    codes = [sign_in(api, GUESS, MALLORY) for _ in range(50)]
    assert codes == [401] * 10 + [429] * 40
    refused = api.post("/api/auth/login", json=GUESS, headers={"X-Forwarded-For": MALLORY})
    # the sliding window weighs the last hour too: near an hour boundary the wait runs past it
    assert 1 <= int(refused.headers["Retry-After"]) <= 2 * 3600
    assert refused.json()["error"]["code"] == "rate_limited"
    assert sign_in(api, ALICE, ALICE_HOME) == 200
    assert sign_in(api, ALICE, MALLORY) == 429  # the guessing address stays slowed


def test_only_failed_sign_ins_count(api: TestClient) -> None:
    """Alice signing in 25 times from one address is never refused; a mistyped try counts."""
    assert [sign_in(api, ALICE, ALICE_HOME) for _ in range(25)] == [200] * 25
    assert sign_in(api, GUESS, ALICE_HOME) == 401
    assert sign_in(api, ALICE, ALICE_HOME) == 200


def test_guessing_from_many_addresses_is_slowed_once_an_address_has_failed(
    settings: ServerSettings, client: TestClient
) -> None:
    """The mailbox-wide limit counts every failure but refuses only addresses that failed."""
    ceiling = behind_proxy(settings, rate_limit_login_email_total="10/hour")
    with TestClient(create_app(ceiling)) as api:
        api.post("/api/auth/register", json=ALICE)
        spellings = ["alice@example.com", "A.lice@example.com", "alice+x@Example.com"]
        first_tries = [
            sign_in(api, {**GUESS, "email": spellings[n % 3]}, f"192.0.2.{n}") for n in range(10)
        ]
        assert first_tries == [401] * 10
        assert sign_in(api, GUESS, "192.0.2.200") == 401  # a first failure is never refused
        again = api.post("/api/auth/login", json=GUESS, headers={"X-Forwarded-For": "192.0.2.1"})
        assert again.status_code == 429
        assert again.headers["X-RateLimit-Limit"] == "10"
        assert 1 <= int(again.headers["Retry-After"]) <= 2 * 3600  # sliding window
        assert sign_in(api, ALICE, ALICE_HOME) == 200  # an address with no failures


def test_parallel_guesses_from_one_address_get_no_more_than_the_limit(api: TestClient) -> None:
    """Each attempt takes its count before it runs, so guesses in flight cannot pass it."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: sign_in(api, GUESS, MALLORY), range(24)))
    assert sorted(codes) == [401] * 10 + [429] * 14
    assert sign_in(api, ALICE, ALICE_HOME) == 200


def test_with_redis_the_owner_signs_in_while_one_address_guesses(
    settings: ServerSettings, client: TestClient
) -> None:
    """Through Redis, two instances share the counts and give back those of good sign-ins."""
    redis = RedisServer().start()
    try:
        shared = behind_proxy(settings, redis_url=redis.url)
        with TestClient(create_app(shared)) as first, TestClient(create_app(shared)) as second:
            first.post("/api/auth/register", json=ALICE)
            codes = [sign_in((first, second)[n % 2], GUESS, MALLORY) for n in range(14)]
            assert codes == [401] * 10 + [429] * 4
            good = [sign_in((first, second)[n % 2], ALICE, ALICE_HOME) for n in range(24)]
            assert good == [200] * 24
            assert sign_in(first, GUESS, ALICE_HOME) == 401
    finally:
        redis.stop()


def test_a_count_given_back_leaves_the_window_as_it_was() -> None:
    counters = LocalCounters()
    counters.hit("k", 10, 60, 6000.0)
    counters.hit("k", 10, 60, 6001.0)
    counters.refund("k", 60, 6002.0)
    assert counters.count("k", 60, 6002.0) == 1
    counters.refund("k", 60, 6075.0)  # the next window: the last one's hit is given back
    assert counters.count("k", 60, 6075.0) == 0
    counters.refund("k", 60, 6075.0)  # nothing left: no negative counts
    assert counters.count("k", 60, 6075.0) == 0
