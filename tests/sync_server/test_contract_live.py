"""Schemathesis against a real `upwatch server --dev` process, over HTTP, on the OpenAPI
document that server publishes.

Every operation, positive and negative data, as Alice (a real account with a monitor, an
alert channel and a status page), with four checks: no 5xx, every status code and content
type documented, every body matching its schema. The rate limits are raised through their
environment variables, so no answer is a 429. Operations that end the session they are
called with run last, each case as a fresh account, so every other case stays signed in.

Examples per operation and generation mode: UPWATCH_FUZZ_EXAMPLES (10 by default, which
keeps the run well under three minutes); set it to a few hundred for a long run.
"""

import itertools
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from tests.support.fake_stripe import WEBHOOK_SECRET, FakeStripe
from tests.support.live_server import LiveServer
from tests.support.postgres import PostgresServer
from tests.sync_server.conftest import truncate
from tests.sync_server.test_contract import ALICE, HIGH, Tenant, sign_in, sign_up

Case = schemathesis.Case[Any]
Operation = schemathesis.APIOperation[Any, Any, Any, Any]
EXAMPLES = int(os.environ.get("UPWATCH_FUZZ_EXAMPLES", "10"))
# Operations that can end the session they are called with; the API has no account deletion.
ENDS_SESSION = ("POST /api/auth/logout", "POST /api/auth/password")
# operations that answer 2xx only to a valid session, and on Alice's own objects
SIGNED_IN_PROOF = ("GET /api/auth/me", "GET /api/monitors/{monitor_id}", *ENDS_SESSION)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
# a long run is as long as it takes; the default one must fit in pytest's per-test budget
TIMEOUT = 0 if "UPWATCH_FUZZ_EXAMPLES" in os.environ else 170


@pytest.fixture(scope="module")
def live(postgres: PostgresServer, stripe_api: FakeStripe) -> Iterator[LiveServer]:
    """`upwatch server --dev` on an emptied test database, limits raised, billing on."""
    database_url = postgres.url("upwatch_test")
    engine = create_engine(database_url)
    truncate(engine)
    engine.dispose()
    server = LiveServer(
        database_url,
        {
            "UPWATCH_RATE_LIMIT_IP": HIGH,
            "UPWATCH_RATE_LIMIT_USER": HIGH,
            "UPWATCH_RATE_LIMIT_LOGIN_IP": HIGH,
            "UPWATCH_RATE_LIMIT_LOGIN_EMAIL": HIGH,
            "UPWATCH_RATE_LIMIT_LOGIN_EMAIL_TOTAL": HIGH,
            "UPWATCH_STRIPE_SECRET_KEY": "sk_test_contract",
            "UPWATCH_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "UPWATCH_STRIPE_PRICE_STARTER": "price_starter",
            "UPWATCH_STRIPE_PRICE_PRO": "price_pro",
            "UPWATCH_STRIPE_PRICE_BUSINESS": "price_business",
            "UPWATCH_STRIPE_API_BASE": stripe_api.base_url,
        },
    )
    server.start()
    yield server
    server.stop()


@dataclass
class HttpAnswer:
    """An httpx answer in the shape the contract helpers read."""

    status_code: int
    headers: Any
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class HttpPoster:
    """Set-up requests (sign-up, sign-in) over HTTP, the way the contract helpers send them."""

    http: httpx.Client

    def post(self, url: str, *, json: object, headers: dict[str, str] | None = None) -> HttpAnswer:
        answer = self.http.post(url, json=json, headers=headers)
        return HttpAnswer(answer.status_code, answer.headers, answer.text)


@dataclass
class LiveRun:
    """One run: Alice's session and objects, the cases sent and the failures found."""

    http: HttpPoster
    alice: Tenant
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    # answers that passed every check, by status class ("2xx", "4xx"), and who got a 2xx
    answers: Counter[str] = field(default_factory=Counter)
    succeeded: set[str] = field(default_factory=set)
    _aims: Iterator[int] = field(default_factory=itertools.count)

    def aim(self, case: Case) -> None:
        """Point every second positive case with path parameters at Alice's real objects."""
        if case.meta is None or not case.path_parameters:
            return
        positive = case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE
        known = set(case.path_parameters) <= self.alice.ids.keys()
        if positive and known and next(self._aims) % 2 == 0:
            case.path_parameters.update(
                {name: self.alice.ids[name] for name in case.path_parameters}
            )

    def know_password(self, case: Case) -> None:
        """Give every second positive password change the fresh account's real password."""
        if case.meta is None or not isinstance(case.body, dict):
            return
        positive = case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE
        if positive and "current_password" in case.body and next(self._aims) % 2 == 0:
            case.body["current_password"] = ALICE["password"]

    def fresh_session(self) -> dict[str, str]:
        """Bearer headers of a new account, for a case that may end its session."""
        who = {"email": f"fresh-{uuid.uuid4().hex[:12]}@example.com", "password": ALICE["password"]}
        registered = self.http.post("/api/auth/register", json=who)
        assert registered.status_code in (201, 202), registered.text
        return sign_in(self.http, who)

    def send(self, case: Case) -> None:
        """Send one case and run the four checks on its answer (raise on a failure)."""
        self.cases += 1
        if case.operation.label in ENDS_SESSION:
            headers = self.fresh_session()
            self.know_password(case)
        else:
            self.aim(case)
            headers = self.alice.headers
        base_url = str(self.http.http.base_url).rstrip("/")
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        self.answers[f"{response.status_code // 100}xx"] += 1
        if response.status_code < 300:
            self.succeeded.add(case.operation.label)


def in_run_order(schema: schemathesis.BaseSchema) -> list[Operation]:
    """Every operation of the schema, those that end the session last."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the published document itself is broken
        operations.append(result.ok())
    return sorted(operations, key=lambda operation: operation.label in ENDS_SESSION)


def fuzz(run: LiveRun, operation: Operation) -> None:
    """Run EXAMPLES cases of each generation mode; record the first failure of each."""
    for mode in MODES:
        strategy: st.SearchStrategy[Case] = operation.as_strategy(generation_mode=mode)
        test = hypothesis.given(strategy)(run.send)
        configured: Callable[[], None] = hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            report_multiple_bugs=False,
            suppress_health_check=list(hypothesis.HealthCheck),
        )(test)
        try:
            configured()
        except hypothesis.errors.Unsatisfiable:
            continue  # nothing to negate in an operation without parameters
        except (FailureGroup, requests.RequestException) as exc:
            # a failed check, or a connection the server dropped: collected, all reported at once
            run.failures[f"{operation.label} ({mode.value})"] = str(exc)


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT)
def test_the_live_server_keeps_its_contract_under_the_fuzzer(
    live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """As Alice, over HTTP to a real process: no 5xx, and every answer documented."""
    config = schemathesis.Config.from_dict({"generation": {"database": "none"}})
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json", config=config)
    operations = in_run_order(schema)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        http = HttpPoster(client)
        run = LiveRun(http, sign_up(http, ALICE))
        for operation in operations:
            fuzz(run, operation)
    with capsys.disabled():
        print(
            f"\nschemathesis on {live.url}: {len(operations)} operations, {run.cases} cases,"
            f" {len(run.failures)} failing; passing answers {dict(sorted(run.answers.items()))},"
            f" {len(run.succeeded)} operations answered 2xx"
        )
    assert run.failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in run.failures.items())
    # signed in, and aimed at her objects: otherwise every answer would be a 401 or a 404
    assert {*SIGNED_IN_PROOF} <= run.succeeded
