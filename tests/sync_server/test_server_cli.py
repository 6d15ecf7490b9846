"""`upwatch server migrate` and the refusal to start with default secrets."""

import pytest
from sqlalchemy import create_engine, inspect, text

from desktop.launcher import main as upwatch
from tests.support.postgres import PostgresServer


def test_migrate_creates_the_schema(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS upwatch_migrate"))
        conn.execute(text("CREATE DATABASE upwatch_migrate"))
    admin.dispose()
    monkeypatch.setenv("UPWATCH_DATABASE_URL", postgres.url("upwatch_migrate"))
    monkeypatch.setenv("UPWATCH_JWT_SECRET", "x" * 40)
    assert upwatch(["server", "migrate"]) == 0
    assert "latest schema" in capsys.readouterr().out
    engine = create_engine(postgres.url("upwatch_migrate"))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"users", "auth_sessions", "refresh_tokens", "monitors", "checks"} <= tables


def test_the_server_will_not_start_on_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """C14: no signing key outside --dev: a clear message and exit 2."""
    monkeypatch.delenv("UPWATCH_JWT_SECRET", raising=False)
    assert upwatch(["server", "migrate"]) == 2
    assert "UPWATCH_JWT_SECRET" in capsys.readouterr().err
