"""The server tests: the API on the session's PostgreSQL (tests/conftest.py), emptied per test."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.schema import metadata
from tests.support.fake_stripe import FakeStripe
from tests.support.postgres import PostgresServer

SECRET = "test-secret-0123456789-0123456789-abcdef"


def bearer(token: str) -> dict[str, str]:
    """Return the header that presents an access token."""
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    """Sign who up (if new) and in; return the headers of their session."""
    client.post("/api/auth/register", json=who)
    return bearer(client.post("/api/auth/login", json=who).json()["access_token"])


@pytest.fixture(scope="module")
def stripe_api() -> Iterator[FakeStripe]:
    """Stripe's API, played by a local fake (the one part the tests cannot reach)."""
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def settings(postgres: PostgresServer) -> ServerSettings:
    return ServerSettings(database_url=postgres.url("upwatch_test"), jwt_secret=SECRET)


def truncate(engine: Engine) -> None:
    """Empty every table of the database."""
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(metadata.tables)} CASCADE"))


@pytest.fixture
def client(settings: ServerSettings) -> Iterator[TestClient]:
    app = create_app(settings)
    truncate(app.state.engine)  # a fresh start for every test
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def db(settings: ServerSettings, client: TestClient) -> Iterator[Engine]:
    """The test database (emptied by the client fixture), for rows put in directly."""
    engine = create_engine(settings.database_url)
    yield engine
    engine.dispose()
