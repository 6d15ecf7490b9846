"""The hosted API against its own OpenAPI document, with Schemathesis, in process over ASGI.

Every operation with every check, stateful sequences along the links Schemathesis infers,
and Bob never reaching Alice's objects. Alice and Bob are real accounts, each with a
monitor and an alert channel, in a fresh database for every test (and for every operation
of the every-operation run): the `client` fixture of conftest.py, built with this
module's `settings`, whose rate limits are far above what a run sends (no answer is a 429).

One app is only ever driven from one event loop: the rate limiter's in-memory store holds
asyncio locks, and a TestClient request interleaved with Schemathesis's own (which run on
Schemathesis's event loop) can wait on one forever. So the Schemathesis tests send everything,
set-up included, through Schemathesis (`AsgiSender`), and the matrix test only uses the
TestClient.
"""

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from sync_server.app import create_app
from sync_server.config import ServerSettings
from tests.support.fake_stripe import FakeStripe, billing_settings
from tests.support.personas import ALICE, BOB
from tests.support.postgres import PostgresServer
from tests.sync_server.conftest import SECRET

MONITOR = {"name": "Shop", "url": "https://shop.example.com/health", "interval": 60}
CHANNEL = {"name": "Ops", "config": {"type": "email", "to": "ops@example.com"}, "monitor_ids": []}
# A body Bob may send to each write route: valid, so only ownership can refuse it.
PAGE = {"slug": "a-status-page", "title": "Status", "monitor_ids": []}
VALID_BODIES: dict[str, dict[str, Any]] = {
    "MonitorIn": MONITOR,
    "ChannelIn": CHANNEL,
    "StatusPageIn": PAGE,
}
# Operations that can end the session they are called with: after a 2xx, Alice signs in again.
ENDS_SESSION = frozenset({"POST /api/auth/logout", "POST /api/auth/password"})
HIGH = "100000/minute"
CONTRACT = {
    # 20 examples per operation on a pull request; raise max-examples for a nightly run.
    "generation": {"max-examples": 20, "deterministic": True, "database": "none"},
    # Every check stays on but one: positive_data_acceptance calls any 422 for schema-valid
    # data a failure, and some of our rules cannot be said in JSON Schema (timeout <= interval).
    "checks": {"positive_data_acceptance": {"enabled": False}},
}
# The every-operation run shares one database between the examples of an operation on purpose,
# and these machines are shared and noisy: neither is a reason to fail.
NOT_HEALTH_PROBLEMS = [
    hypothesis.HealthCheck.function_scoped_fixture,
    hypothesis.HealthCheck.too_slow,
]


def contract_settings(database_url: str, stripe_api: str = "http://127.0.0.1:9") -> ServerSettings:
    """Settings whose rate limits never answer 429 to a run of a few thousand requests, with
    billing on (Stripe's API: a local fake)."""
    return ServerSettings(
        database_url=database_url,
        jwt_secret=SECRET,
        rate_limit_ip=HIGH,
        rate_limit_user=HIGH,
        rate_limit_login_ip=HIGH,
        rate_limit_login_email=HIGH,
        rate_limit_login_email_total=HIGH,
        **billing_settings("sk_test_contract", stripe_api),
    )


# The OpenAPI document does not depend on the database, so it is read once at import from an
# app that never connects; every request then goes to the test's own app (`app=`).
SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(contract_settings("postgresql+psycopg://contract@127.0.0.1:9/schema-only")),
    config=schemathesis.Config.from_dict(CONTRACT),
)


class JsonResponse(Protocol):
    """A response of the TestClient or of Schemathesis, as the helpers here read it."""

    status_code: int
    headers: Any
    text: str

    def json(self) -> Any: ...


class Poster(Protocol):
    """What set-up needs of a client: TestClient and AsgiSender both have it."""

    def post(
        self, url: str, *, json: object, headers: dict[str, str] | None = None
    ) -> JsonResponse: ...


@dataclass
class AsgiSender:
    """Sends requests the way Schemathesis sends its cases, on the same event loop."""

    app: FastAPI

    def post(
        self, url: str, *, json: object, headers: dict[str, str] | None = None
    ) -> schemathesis.Response:
        case = SCHEMA[url]["POST"].Case(body=json, headers=headers or {})
        return case.call(app=self.app)


@dataclass
class Tenant:
    """A signed-in account and the ids of its objects, by path parameter name."""

    headers: dict[str, str]
    ids: dict[str, str]


def sign_in(client: Poster, who: dict[str, str]) -> dict[str, str]:
    """Return bearer headers for a new session of `who`."""
    response = client.post("/api/auth/login", json=who)
    assert response.status_code == 200, response.json()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sign_up(client: Poster, who: dict[str, str]) -> Tenant:
    """Register `who` and give them one monitor and one alert channel."""
    registered = client.post("/api/auth/register", json=who)
    assert registered.status_code in (201, 202), registered.json()
    headers = sign_in(client, who)
    monitor = client.post("/api/monitors", json=MONITOR, headers=headers)
    assert monitor.status_code == 201, monitor.json()
    monitor_id = monitor.json()["id"]
    channel = client.post(
        "/api/alert-channels", json={**CHANNEL, "monitor_ids": [monitor_id]}, headers=headers
    )
    assert channel.status_code == 201, channel.json()
    # a draft: the public routes must answer 404 for its slug and monitor to everybody
    slug = f"page-{uuid.uuid4().hex[:12]}"
    draft = {**PAGE, "slug": slug, "published": False, "monitor_ids": [monitor_id]}
    page = client.post("/api/status-pages", json=draft, headers=headers)
    assert page.status_code == 201, page.json()
    ids = {"channel_id": channel.json()["id"], "page_id": page.json()["id"], "slug": slug}
    return Tenant(headers, {"monitor_id": monitor_id, **ids})


@pytest.fixture
def settings(postgres: PostgresServer, stripe_api: FakeStripe) -> ServerSettings:
    """Overrides conftest's: `client` builds its app with these limits."""
    return contract_settings(postgres.url("upwatch_test"), stripe_api.base_url)


@pytest.fixture
def sender(client: TestClient) -> AsgiSender:
    return AsgiSender(client.app)


@dataclass
class AliceRun:
    """Alice's side of a run: her session, her objects, and where the next case aims."""

    sender: AsgiSender
    alice: Tenant
    _aims: Iterator[int] = field(default_factory=itertools.count)

    def aim(self, case: schemathesis.Case) -> None:
        """Point every second positive case at Alice's real objects; the rest keep their ids."""
        if case.meta is None or not case.path_parameters:
            return
        positive = case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE
        if positive and next(self._aims) % 2 == 0:
            case.path_parameters.update(
                {name: self.alice.ids[name] for name in case.path_parameters}
            )

    def answered(self, case: schemathesis.Case, response: schemathesis.Response) -> None:
        """Sign Alice in again when the case ended her session (a logout, say)."""
        if case.operation.label in ENDS_SESSION and response.status_code < 300:
            self.alice.headers = sign_in(self.sender, ALICE)


@pytest.fixture
def alice_run(sender: AsgiSender) -> AliceRun:
    return AliceRun(sender, sign_up(sender, ALICE))


@SCHEMA.parametrize()
@hypothesis.settings(suppress_health_check=NOT_HEALTH_PROBLEMS)
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case, client: TestClient, alice_run: AliceRun
) -> None:
    """As Alice, no 5xx, and every answer documented and matching its schema.

    All of Schemathesis's checks run but positive_data_acceptance (see CONTRACT): status code,
    content type, headers and body conformance, Allow on 405, negative data rejected, missing
    required header, and `ignored_auth` (each 2xx is replayed without a token and with a bad
    one, and must then be refused). Every second positive case of a by-id route aims at Alice's
    real monitor or channel, so those routes answer 2xx and have their bodies checked too.
    """
    alice_run.aim(case)
    response = case.call_and_validate(app=client.app, headers=alice_run.alice.headers)
    alice_run.answered(case, response)


def write_identities(path: Path) -> Path:
    """Write a Web Fuzzing Commons auth document: Alice and Bob sign in at /api/auth/login."""
    token = {
        "extractFrom": "body",
        "extractSelector": "/access_token",
        "sendIn": "header",
        "sendName": "Authorization",
        "sendTemplate": "Bearer {token}",
    }
    users = [
        {
            "name": name,
            "loginEndpointAuth": {
                "verb": "POST",
                "endpoint": "/api/auth/login",
                "contentType": "application/json",
                "payloadRaw": json.dumps(who),
                "token": token,
            },
        }
        for name, who in (("alice", ALICE), ("bob", BOB))
    ]
    path.write_text(json.dumps({"auth": users}))
    return path


def test_linked_sequences_keep_the_contract_and_ownership(
    client: TestClient, sender: AsgiSender, tmp_path: Path
) -> None:
    """Create -> read -> update -> delete -> read sequences, as Alice, with Bob as
    her peer (two identities through Schemathesis's `[auth.wfc]`).

    `object_level_authorization` replays Alice's successful reads of objects she created as
    Bob, who must not get them; `use_after_free` and `ensure_resource_availability` follow
    each sequence; every check of the every-operation run runs on every step.
    """
    for who in (ALICE, BOB):
        sign_up(sender, who)
    identities = write_identities(tmp_path / "identities.json")
    auth = {"wfc": {"path": str(identities), "user": "alice", "peers": ["alice", "bob"]}}
    config = schemathesis.Config.from_dict({**CONTRACT, "auth": auth})
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, config=config)
    engine = create_engine(client.app.state.settings.database_url)
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT id, password_hash FROM users")).all()

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            """Every scenario starts from the same data, so Hypothesis can replay it."""
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM alert_channels"))
                conn.execute(text("DELETE FROM status_pages"))
                conn.execute(text("DELETE FROM monitors"))
                conn.execute(text("UPDATE auth_sessions SET revoked_at = NULL"))
                conn.execute(text("UPDATE users SET weekly_report = false"))
                for user_id, password_hash in hashes:
                    conn.execute(
                        text("UPDATE users SET password_hash = :h WHERE id = :id"),
                        {"h": password_hash, "id": user_id},
                    )

    Scenario.run(
        settings=hypothesis.settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=NOT_HEALTH_PROBLEMS,
        )
    )
    engine.dispose()


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every endpoint, those of included routers too.

    FastAPI >= 0.137 keeps included routers lazy: `app.routes` alone does not list their routes.
    """
    found = []
    for context in fastapi_routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            found += [(method, context.path, route) for method in sorted(context.methods or ())]
    return found


def alices_view(client: TestClient, alice: Tenant) -> dict[str, tuple[int, object]]:
    """Everything Alice reads from the API: every GET route, by-id ones with her ids."""
    view = {}
    for method, path, _ in api_routes(client.app):
        if method == "GET" and path.startswith("/api/"):
            response = client.get(path.format(**alice.ids), headers=alice.headers)
            body = response.json()
            if isinstance(body, dict):
                # the pull's results cursor follows the database's oldest running transaction,
                # which moves with anybody's traffic: it is not Alice's data
                body.pop("results_cursor", None)
            view[path] = (response.status_code, body)
    return view


def body_for(method: str, path: str, route: APIRoute) -> dict[str, Any] | None:
    """A valid body for the route, or None when it takes none."""
    if route.body_field is None:
        return None
    annotation = route.body_field.field_info.annotation
    model = getattr(annotation, "__name__", repr(annotation))
    assert model in VALID_BODIES, f"{method} {path}: add a valid {model} to VALID_BODIES"
    return VALID_BODIES[model]


def error_code(response: JsonResponse) -> str | None:
    """The `error.code` of an error body ("not_found" for the HTML 404 of a status page)."""
    if response.headers.get("content-type", "").startswith("text/html"):
        return "not_found" if "not found" in response.text else None
    body = response.json()
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def test_bob_gets_404_from_every_route_that_takes_alices_ids(client: TestClient) -> None:
    """Every route with a path parameter, in every verb, answers Bob 404 (not 403,
    not 2xx) for Alice's ids; lists never show him her rows; her data is unchanged after."""
    alice, bob = sign_up(client, ALICE), sign_up(client, BOB)
    before = alices_view(client, alice)
    answers = {}
    for method, path, route in api_routes(client.app):
        names = {param.name for param in route.dependant.path_params}
        if not names:
            continue
        assert names <= alice.ids.keys(), f"{method} {path}: give Alice an object for {names}"
        body = body_for(method, path, route)
        response = client.request(method, path.format(**alice.ids), json=body, headers=bob.headers)
        answers[f"{method} {path}"] = (response.status_code, error_code(response))
    assert answers, "no route takes an id: is api_routes() still finding the routers?"
    assert {
        route: answer for route, answer in answers.items() if answer != (404, "not_found")
    } == {}
    for method, path, route in api_routes(client.app):
        if method == "GET" and path.startswith("/api/") and not route.dependant.path_params:
            listed = client.get(path, headers=bob.headers).text
            assert not [value for value in alice.ids.values() if value in listed], path
    assert alices_view(client, alice) == before
