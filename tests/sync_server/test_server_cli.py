"""`upwatch server migrate` and the refusal to start with default secrets."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from desktop.launcher import main as upwatch
from sync_server.config import ServerSettings
from tests.support.polling import wait_until
from tests.support.postgres import PostgresServer
from tests.support.threaded_app import find_free_port


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
    """No signing key outside --dev: a clear message and exit 2."""
    monkeypatch.delenv("UPWATCH_JWT_SECRET", raising=False)
    assert upwatch(["server", "migrate"]) == 2
    assert "UPWATCH_JWT_SECRET" in capsys.readouterr().err


def test_the_server_will_not_start_without_a_data_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No key to seal alert channels with outside --dev, or a bad one: exit 2 and a
    message that says how to make one; `upwatch server new-key` makes one that works."""
    monkeypatch.setenv("UPWATCH_JWT_SECRET", "x" * 40)
    monkeypatch.delenv("UPWATCH_DATA_KEYS", raising=False)
    assert upwatch(["server", "migrate"]) == 2
    assert "upwatch server new-key" in capsys.readouterr().err
    monkeypatch.setenv("UPWATCH_DATA_KEYS", "not-a-key")
    assert upwatch(["server", "migrate"]) == 2
    assert "not a key" in capsys.readouterr().err
    assert upwatch(["server", "new-key"]) == 0
    key = capsys.readouterr().out.strip()
    assert ServerSettings(jwt_secret="x" * 40, data_keys=[key]).data_keys == [key]


def test_server_dev_serves_with_a_private_database_and_stops_it() -> None:
    """One command gives a working server; SIGTERM stops the API and its PostgreSQL."""
    home = Path(tempfile.mkdtemp(prefix="upwatch-dev-"))  # under /tmp: reachable by postgres
    home.chmod(0o755)
    port = find_free_port()
    env = {**os.environ, "UPWATCH_HOME": str(home)}
    for name in ("UPWATCH_DATABASE_URL", "DATABASE_URL", "UPWATCH_JWT_SECRET", "UPWATCH_DATA_KEYS"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "desktop.launcher", "server", "--dev", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{base}/healthz"), 60, lambda: "server --dev never answered")
        who = {"email": "dev@example.com", "password": "long enough password"}
        assert httpx.post(f"{base}/api/auth/register", json=who).status_code == 202
        assert httpx.post(f"{base}/api/auth/login", json=who).status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert "Private PostgreSQL started" in output
    assert "Traceback" not in output
    assert not (home / "server-dev" / "pgdata" / "postmaster.pid").exists()  # stopped
    shutil.rmtree(home, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback is for root only")
def test_as_root_the_dev_database_moves_where_postgres_can_reach_it() -> None:
    from sync_server.devdb import ROOT_FALLBACK, dev_directory

    Path("/root").chmod(0o700)
    assert dev_directory(Path("/root/.local/share/upwatch/server-dev")) == ROOT_FALLBACK
    assert dev_directory(Path("/tmp/upwatch/server-dev")) == Path("/tmp/upwatch/server-dev")
