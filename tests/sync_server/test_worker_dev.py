"""`upwatch worker --dev` next to `upwatch server --dev`, as real processes: one private
PostgreSQL for both, on the same port across restarts, stopped by whoever leaves last."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import psycopg
import pytest

from desktop.launcher import main as upwatch
from sync_server.config import DEV_SECRET
from sync_server.devdb import remembered_port
from sync_server.worker.cli import start_line
from tests.support.polling import wait_until
from tests.support.threaded_app import find_free_port

START = re.compile(r"Private PostgreSQL (started|already running) on 127\.0\.0\.1:(\d+) ")


class Upwatch:
    """One `upwatch` process whose output lines are collected as they come."""

    def __init__(self, home: Path, *args: str) -> None:
        env = {**os.environ, "UPWATCH_HOME": str(home), "UPWATCH_LOG_FORMAT": "text"}
        for name in ("UPWATCH_DATABASE_URL", "DATABASE_URL", "UPWATCH_JWT_SECRET"):
            env.pop(name, None)
        env.pop("UPWATCH_DATA_KEYS", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desktop.launcher", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def line_with(self, text: str, timeout: float = 30) -> str:
        """The first output line holding text (waited for)."""
        wait_until(
            lambda: any(text in line for line in self.lines),
            timeout,
            lambda: f"no line with {text!r} in:\n{self.output}",
            interval=0.05,
        )
        return next(line for line in self.lines if text in line)

    def database_port(self) -> tuple[str, int]:
        """How the process found its private PostgreSQL (started / already running), and
        the port."""
        found = START.search(self.line_with("Private PostgreSQL"))
        assert found, self.output
        return found.group(1), int(found.group(2))

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> str:
        """Send sig, wait for the exit; return everything it printed."""
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return self.output


@pytest.fixture
def dev_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="upwatch-dev-"))  # under /tmp: reachable by postgres
    home.chmod(0o755)
    yield home
    pid_file = home / "server-dev" / "pgdata" / "postmaster.pid"
    if pid_file.exists():  # a failed test must not leave its PostgreSQL behind
        pid = int(pid_file.read_text().split()[0])
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    shutil.rmtree(home, ignore_errors=True)


def serve(home: Path) -> tuple[Upwatch, str]:
    port = find_free_port()
    server = Upwatch(home, "server", "--dev", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    server.line_with("Upwatch API on")
    wait_until(lambda: _answers(f"{base}/healthz"), 30, lambda: server.output, interval=0.05)
    return server, base


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def database_answers(port: int) -> bool:
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres") as conn:
            return conn.execute("SELECT count(*) FROM monitors").fetchone() is not None
    except psycopg.OperationalError:
        return False


def test_the_dev_worker_uses_the_dev_servers_database_and_outlives_its_restarts(
    dev_home: Path,
) -> None:
    server, _ = serve(dev_home)
    assert server.database_port()[0] == "started"
    db_port = server.database_port()[1]

    worker = Upwatch(dev_home, "worker", "--dev")
    assert worker.database_port() == ("already running", db_port)
    line = worker.line_with("Upwatch worker ")
    assert re.fullmatch(
        rf"Upwatch worker \S+:\d+:\w+: cloud checks and alerts from"
        rf" postgresql://postgres@127\.0\.0\.1:{db_port}/postgres \(Ctrl-C stops it\)",
        line,
    ), line

    # the server stops: the worker's database stays up, on the same port for the next server
    assert "Private PostgreSQL left running" in server.stop()
    assert database_answers(db_port)
    server, _ = serve(dev_home)
    assert server.database_port() == ("already running", db_port)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{db_port}/postgres") as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")

    # a server that crashed no longer counts: the worker, leaving last, stops the database
    server.stop(signal.SIGKILL)
    output = worker.stop(signal.SIGINT)
    assert worker.process.returncode == 0
    assert "Private PostgreSQL stopped." in output
    assert not database_answers(db_port)
    for text in ("Traceback", "server cannot start", DEV_SECRET, "claiming failed"):
        assert text not in output

    # started again, by a worker alone this time: the same port, the data kept
    worker = Upwatch(dev_home, "worker", "--dev", "--role", "checks")
    assert worker.database_port() == ("started", db_port)
    assert ": cloud checks from postgresql://" in worker.line_with("Upwatch worker ")
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{db_port}/postgres") as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("still here",)]
    assert "Private PostgreSQL stopped." in worker.stop()


def test_a_worker_without_settings_says_the_worker_cannot_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("UPWATCH_JWT_SECRET", raising=False)
    assert upwatch(["worker"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("upwatch worker: error: the worker cannot start: set UPWATCH_JWT_SECRET")
    assert "server cannot" not in err


def test_the_start_line_shows_the_database_without_its_password() -> None:
    line = start_line("box:1:ab", "alerts", "postgresql+psycopg://up:s3cret@db.example:6432/up")
    assert line == (
        "Upwatch worker box:1:ab: alerts from postgresql://up@db.example:6432/up (Ctrl-C stops it)"
    )


def test_the_remembered_port_is_reused_while_free_and_replaced_when_taken(tmp_path: Path) -> None:
    remembered = tmp_path / "port"
    first = remembered_port(remembered)
    assert remembered.read_text().strip() == str(first)
    assert remembered_port(remembered) == first
    with socket.socket() as other:
        other.bind(("127.0.0.1", first))
        other.listen()
        second = remembered_port(remembered)
    assert second != first
    assert remembered.read_text().strip() == str(second)
