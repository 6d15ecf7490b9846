"""A real PostgreSQL for the server tests, started once per run; a fresh schema per test."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import sync_server.auth.tables
import sync_server.monitors.tables  # noqa: F401
from sync_server.app import create_app
from sync_server.config import ServerSettings
from tests.support.postgres import PostgresServer

SECRET = "test-secret-0123456789-0123456789-abcdef"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE upwatch_test"))
    admin.dispose()
    yield server
    server.stop()


@pytest.fixture
def settings(postgres: PostgresServer) -> ServerSettings:
    return ServerSettings(database_url=postgres.url("upwatch_test"), jwt_secret=SECRET)


@pytest.fixture
def client(settings: ServerSettings) -> Iterator[TestClient]:
    app = create_app(settings)
    engine = app.state.engine
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with TestClient(app) as test_client:
        yield test_client
    engine.dispose()
