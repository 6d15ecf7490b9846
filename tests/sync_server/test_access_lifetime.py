"""How long access tokens live: minutes by default, seconds when UPWATCH_ACCESS_SECONDS says."""

from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient

from desktop.launcher import main as upwatch
from sync_server.app import create_app
from sync_server.auth.tokens import read_access_token
from sync_server.config import ServerSettings
from sync_server.errors import NotAuthenticated
from tests.support.personas import ALICE
from tests.support.postgres import PostgresServer
from tests.sync_server.conftest import SECRET

SITE = "https://upwatch.example.com"


@pytest.fixture
def short_lived(postgres: PostgresServer, client: TestClient) -> Iterator[TestClient]:
    """The API with 10-second access tokens, as the journey tests run it (database emptied by
    the client fixture)."""
    settings = ServerSettings(
        database_url=postgres.url("upwatch_test"),
        jwt_secret=SECRET,
        access_seconds=10,
        public_url=SITE,
    )
    app = create_app(settings)
    with TestClient(app, base_url=SITE) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_access_seconds_sets_the_life_of_tokens_and_their_cookie(short_lived: TestClient) -> None:
    short_lived.post("/api/auth/register", json=ALICE)
    tokens = short_lived.post("/api/auth/login", json=ALICE).json()
    assert tokens["expires_in"] == 10
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 10
    keys = ServerSettings(jwt_secret=SECRET, dev=True).jwt_keys
    read_access_token(tokens["access_token"], keys=keys, issuer="upwatch", now=claims["iat"] + 9)
    with pytest.raises(NotAuthenticated):
        read_access_token(tokens["access_token"], keys=keys, issuer="upwatch", now=claims["exp"])
    refreshed = short_lived.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.json()["expires_in"] == 10
    browser = short_lived.post(
        "/api/auth/login",
        json={**ALICE, "use_cookies": True},
        headers={"Origin": SITE, "Sec-Fetch-Site": "same-origin"},
    )
    assert browser.json()["expires_in"] == 10
    access_cookie = next(
        h for h in browser.headers.get_list("set-cookie") if h.startswith("__Host-upwatch_access=")
    )
    assert "Max-Age=10;" in access_cookie


def test_access_seconds_come_from_the_environment_and_win_over_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServerSettings(dev=True).access_token_seconds == 15 * 60
    monkeypatch.setenv("UPWATCH_ACCESS_MINUTES", "30")
    assert ServerSettings(dev=True).access_token_seconds == 30 * 60
    monkeypatch.setenv("UPWATCH_ACCESS_SECONDS", "10")
    assert ServerSettings(dev=True).access_token_seconds == 10
    monkeypatch.setenv("UPWATCH_ACCESS_SECONDS", "")  # set but empty: as if unset
    assert ServerSettings(dev=True).access_token_seconds == 30 * 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPWATCH_ACCESS_SECONDS", "4"),
        ("UPWATCH_ACCESS_SECONDS", "86401"),
        ("UPWATCH_ACCESS_SECONDS", "0"),
        ("UPWATCH_ACCESS_SECONDS", "-10"),
        ("UPWATCH_ACCESS_SECONDS", "10.5"),
        ("UPWATCH_ACCESS_SECONDS", "ten"),
        ("UPWATCH_ACCESS_MINUTES", "0"),
        ("UPWATCH_ACCESS_MINUTES", "1441"),
        ("UPWATCH_ACCESS_MINUTES", "15m"),
    ],
)
def test_the_server_will_not_start_with_an_access_lifetime_out_of_range(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    """A clear message naming the setting and its range, and exit 2, before anything runs."""
    monkeypatch.setenv("UPWATCH_JWT_SECRET", "x" * 40)
    monkeypatch.setenv(name, value)
    assert upwatch(["server", "migrate"]) == 2
    err = capsys.readouterr().err
    assert "cannot start" in err
    assert f"{name} must be a whole number from" in err
    assert repr(value) in err
