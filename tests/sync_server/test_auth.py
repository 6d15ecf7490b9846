"""Accounts and sessions on a real PostgreSQL."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from sync_server.app import create_app
from sync_server.auth.tokens import key_id
from sync_server.config import ServerSettings
from tests.support import personas
from tests.sync_server.conftest import SECRET, truncate

# mixed case on purpose: an address is one account however it is typed
ALICE = {**personas.ALICE, "email": "Alice@Example.com"}


def sign_up_and_in(client: TestClient, who: dict[str, str] = ALICE) -> dict[str, str]:
    assert client.post("/api/auth/register", json=who).status_code == 202
    response = client.post("/api/auth/login", json={k: who[k] for k in ("email", "password")})
    assert response.status_code == 200
    tokens: dict[str, str] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_alice_registers_signs_in_and_sees_herself(client: TestClient) -> None:
    """No password hash in any response."""
    response = client.post("/api/auth/register", json=ALICE)
    assert response.status_code == 202
    assert response.json()["email"] == "alice@example.com"
    tokens = client.post("/api/auth/login", json=ALICE).json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    me = client.get("/api/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"
    assert me.json()["plan"] == "free"
    assert "password" not in me.text


def test_passwords_are_stored_as_argon2id(client: TestClient, settings: ServerSettings) -> None:
    """The stored hash is argon2id with at least m=19456, t=2, p=1."""
    from sqlalchemy import create_engine, text

    client.post("/api/auth/register", json=ALICE)
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19456
    assert int(params["t"]) >= 2
    assert int(params["p"]) >= 1


def test_a_taken_email_gets_the_same_answer_and_changes_nothing(client: TestClient) -> None:
    """Registering a taken email answers like a new one (status, body, latency)."""
    new_timings, taken_timings = [], []
    for n in range(5):
        started = time.perf_counter()
        new = client.post("/api/auth/register", json={**ALICE, "email": f"new{n}@example.com"})
        new_timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        taken = client.post(
            "/api/auth/register", json={"email": f"NEW{n}@example.com", "password": "mallory's pw!"}
        )
        taken_timings.append(time.perf_counter() - started)
        assert new.status_code == taken.status_code == 202
        assert new.json() == taken.json()
    new_median, taken_median = sorted(new_timings)[2], sorted(taken_timings)[2]
    assert abs(new_median - taken_median) <= 0.2 * max(new_median, taken_median) + 0.01
    # the first owner's password still works, the second one's does not
    assert client.post("/api/auth/login", json={**ALICE, "email": "new0@example.com"}).is_success
    mallory = {"email": "new0@example.com", "password": "mallory's pw!"}
    assert client.post("/api/auth/login", json=mallory).status_code == 401


def test_two_registrations_of_one_email_at_once_make_one_account(
    client: TestClient, settings: ServerSettings
) -> None:
    """A race between two sign-ups is not a 500: both answer 202, one account exists."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.post("/api/auth/register", json=ALICE), range(4)))
    assert [a.status_code for a in answers] == [202] * 4
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "long enough password"},
        {"email": "bob@example.com", "password": "short"},
        {"email": "bob@example.com"},
        {"email": "bob@example.com", "password": "long enough password", "admin": True},
    ],
)
def test_bad_registrations_get_a_clear_422(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"]


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    """One generic error, same status and body."""
    client.post("/api/auth/register", json=ALICE)
    wrong = client.post("/api/auth/login", json={**ALICE, "password": "wrong password!"})
    unknown = client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "whatever it is"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_refresh_rotates_and_reuse_ends_the_whole_session(client: TestClient) -> None:
    """RT1 → RT2; RT1 again → 401 and RT2 and the session's access tokens are dead."""
    first = sign_up_and_in(client)
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rt2, access2 = second.json()["refresh_token"], second.json()["access_token"]
    assert rt2 != first["refresh_token"]
    assert client.get("/api/auth/me", headers=bearer(access2)).status_code == 200
    reuse = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": rt2}).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(access2)).status_code == 401


def test_logout_ends_the_session_at_once(client: TestClient) -> None:
    """After logout the access token and the refresh token are refused immediately."""
    tokens = sign_up_and_in(client)
    assert (
        client.post("/api/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    )
    assert client.get("/api/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    refresh = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


def test_other_sessions_survive_a_logout(client: TestClient) -> None:
    laptop = sign_up_and_in(client)
    desktop = client.post("/api/auth/login", json=ALICE).json()
    client.post("/api/auth/logout", headers=bearer(laptop["access_token"]))
    assert client.get("/api/auth/me", headers=bearer(desktop["access_token"])).status_code == 200


def forged(
    claims: dict[str, object],
    *,
    key: str = SECRET,
    algorithm: str = "HS256",
    kid: str | None = None,
) -> str:
    """A token signed with key whose header names the server's key (or kid) by default."""
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid or key_id(SECRET)})


def hand_signed(header: dict[str, object], claims: dict[str, object]) -> str:
    """A token with the server's signature over any header, even one PyJWT would not write."""
    parts = [
        base64.urlsafe_b64encode(json.dumps(x).encode()).rstrip(b"=") for x in (header, claims)
    ]
    signing_input = b".".join(parts)
    mac = hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()


def test_tampered_tokens_are_refused(client: TestClient) -> None:
    """alg=none, wrong key, wrong or missing kid, expired, missing claims, wrong audience:
    all 401 (each forged token names the server's key unless the kid is what is wrong)."""
    tokens = sign_up_and_in(client)
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key_id(SECRET)
    good = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert client.get("/api/auth/me", headers=bearer(forged(good))).status_code == 200
    now = int(time.time())
    variants = [
        jwt.encode(good, SECRET, algorithm="HS256"),  # no kid
        forged(good, kid="0123456789abcdef"),  # a key the server does not have
        hand_signed({"alg": "HS256", "typ": "JWT", "kid": ["a", "list"]}, good),
        jwt.encode(good, None, algorithm="none"),  # type: ignore[arg-type]
        forged(good, key="another-secret-0123456789-0123456789-xyz"),
        forged({**good, "exp": now - 10}),
        forged({k: v for k, v in good.items() if k != "sid"}),
        forged({k: v for k, v in good.items() if k != "exp"}),
        forged({**good, "aud": "someone-else"}),
        forged({**good, "iss": "evil"}),
        forged({**good, "typ": "refresh"}),
        forged({**good, "sid": str(uuid.uuid4())}),
        "not-a-token",
    ]
    for token in variants:
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401, token
    assert client.get("/api/auth/me").status_code == 401


def test_a_rotated_key_is_accepted_until_it_is_retired(settings: ServerSettings) -> None:
    """A token signed with the previous key works while that key is listed as previous;
    new tokens carry the new key's kid; once the old key is removed its tokens get 401."""
    new_secret = "rotated-secret-0123456789-0123456789-xyz"
    app = create_app(settings)
    truncate(app.state.engine)
    with TestClient(app) as before:
        old_token = sign_up_and_in(before)["access_token"]
    rotated = settings.model_copy(update={"jwt_secret": new_secret,
                                          "jwt_previous_secrets": [SECRET]})  # fmt: skip
    with TestClient(create_app(rotated)) as during:
        assert during.get("/api/auth/me", headers=bearer(old_token)).status_code == 200
        new_token = during.post("/api/auth/login", json=ALICE).json()["access_token"]
        assert jwt.get_unverified_header(new_token)["kid"] == key_id(new_secret) != key_id(SECRET)
    retired = settings.model_copy(update={"jwt_secret": new_secret})
    with TestClient(create_app(retired)) as after:
        assert after.get("/api/auth/me", headers=bearer(old_token)).status_code == 401
        assert after.get("/api/auth/me", headers=bearer(new_token)).status_code == 200
    with pytest.raises(ValidationError, match="PREVIOUS_SECRETS"):
        ServerSettings(jwt_secret=new_secret, jwt_previous_secrets=["short"])


def test_the_server_refuses_to_start_with_the_default_secret() -> None:
    """A default or short signing key outside --dev fails closed."""
    with pytest.raises(ValidationError, match="UPWATCH_JWT_SECRET"):
        ServerSettings()
    with pytest.raises(ValidationError):
        ServerSettings(jwt_secret="short")
    assert ServerSettings(dev=True).dev


def test_healthz_answers(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_password_change_signs_out_every_other_session(client: TestClient) -> None:
    """The other sessions' access and refresh tokens stop working; this one keeps going."""
    laptop = sign_up_and_in(client)
    phone = client.post("/api/auth/login", json=ALICE).json()
    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": "a brand new password"},
        headers=bearer(laptop["access_token"]),
    )
    assert wrong.status_code == 403
    changed = client.post(
        "/api/auth/password",
        json={"current_password": ALICE["password"], "new_password": "a brand new password"},
        headers=bearer(laptop["access_token"]),
    )
    assert changed.status_code == 204
    assert client.get("/api/auth/me", headers=bearer(phone["access_token"])).status_code == 401
    assert (
        client.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code
        == 401
    )
    assert client.get("/api/auth/me", headers=bearer(laptop["access_token"])).status_code == 200
    assert client.post("/api/auth/login", json=ALICE).status_code == 401
    new = {**ALICE, "password": "a brand new password"}
    assert client.post("/api/auth/login", json=new).status_code == 200


def test_unknown_email_and_wrong_password_take_as_long(settings: ServerSettings) -> None:
    """A dummy hash is verified for an unknown email, so medians stay close."""
    from sync_server.app import create_app

    loose = settings.model_copy(
        update={"rate_limit_login_ip": "1000/hour", "rate_limit_login_email": "1000/hour"}
    )
    with TestClient(create_app(loose)) as api:
        api.post("/api/auth/register", json=ALICE)
        timings: dict[str, list[float]] = {"wrong": [], "unknown": []}
        for n in range(12):
            for kind, email in (("wrong", ALICE["email"]), ("unknown", f"nobody{n}@example.com")):
                started = time.perf_counter()
                response = api.post(
                    "/api/auth/login", json={"email": email, "password": "nope!" * 3}
                )
                timings[kind].append(time.perf_counter() - started)
                assert response.status_code == 401
    wrong, unknown = (sorted(t)[len(t) // 2] for t in timings.values())
    assert abs(wrong - unknown) <= 0.15 * max(wrong, unknown), (wrong, unknown)


def test_parallel_refreshes_of_one_token_never_leave_two_live_successors(
    client: TestClient, settings: ServerSettings
) -> None:
    """Concurrent refreshes: one wins; the rest count as reuse, so no session forks."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    tokens = sign_up_and_in(client)
    body = {"refresh_token": tokens["refresh_token"]}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post("/api/auth/refresh", json=body), range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) <= 1
    assert set(codes) <= {200, 401}
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        live = conn.execute(
            text(
                "SELECT count(*) FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id"
                " WHERE r.used_at IS NULL AND s.revoked_at IS NULL"
            )
        ).scalar_one()
    engine.dispose()
    assert live <= 1


def test_the_weekly_report_is_opt_in(client: TestClient) -> None:
    tokens = sign_up_and_in(client)
    headers = bearer(tokens["access_token"])
    assert client.get("/api/auth/me", headers=headers).json()["weekly_report"] is False
    changed = client.put("/api/auth/me", json={"weekly_report": True}, headers=headers)
    assert changed.status_code == 200
    assert changed.json()["weekly_report"] is True
    assert client.get("/api/auth/me", headers=headers).json()["weekly_report"] is True
    bad = client.put("/api/auth/me", json={"plan": "business"}, headers=headers)
    assert bad.status_code == 422
    assert client.get("/api/auth/me", headers=headers).json()["plan"] == "free"


def test_a_name_given_at_sign_up_is_trimmed_and_comes_back_from_me(client: TestClient) -> None:
    alice = {**ALICE, "name": "  Alice Liddell \t"}
    tokens = sign_up_and_in(client, alice)
    me = client.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()
    assert me["name"] == "Alice Liddell"
    bob = personas.BOB
    tokens = sign_up_and_in(client, bob)
    assert client.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()["name"] is None
    blank = {"email": "carol@example.com", "password": "carol's long password", "name": "   "}
    tokens = sign_up_and_in(client, blank)
    assert client.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()["name"] is None


def test_a_name_of_the_longest_length_is_kept_whole(client: TestClient) -> None:
    name = "Zoë " + "é" * 96  # 100 characters, more bytes
    tokens = sign_up_and_in(client, {**ALICE, "name": name})
    assert client.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()["name"] == name


@pytest.mark.parametrize(
    "name",
    [
        "Alice\u0000",  # PostgreSQL refuses NUL in text
        "Alice\nLiddell",
        "Alice\x1b[31m",
        "Alice\x7f",
        "Ali\x85ce",  # NEL: trimmed at the ends, refused inside
        "Alice\u2028Liddell",
        "Alice\ud800",  # a lone surrogate: no UTF-8 for the database
        "A" * 101,
        5,
        ["Alice"],
    ],
)
def test_a_bad_name_gets_a_422_naming_it_and_makes_no_account(
    client: TestClient, name: object
) -> None:
    # as JSON text with escapes, which is how a lone surrogate can arrive at all
    body = json.dumps({**ALICE, "name": name})
    response = client.post(
        "/api/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("name: ")
    assert client.post("/api/auth/login", json=ALICE).status_code == 401


def test_a_sign_up_for_a_taken_email_does_not_rename_the_account(client: TestClient) -> None:
    tokens = sign_up_and_in(client, {**ALICE, "name": "Alice"})
    first = client.post("/api/auth/register", json={**ALICE, "name": "Mallory"})
    assert first.status_code == 202
    me = client.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()
    assert me["name"] == "Alice"
