"""The machines of a journey: `upwatch server --dev` (with its workers) and desktops.

Each has its own data folder (UPWATCH_HOME) and logs; a desktop keeps its cloud session in
the file secret store, so its separate `upwatch` commands share it without an OS keyring.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.journeys.processes import (
    PASSWORD,
    UPWATCH,
    Done,
    Process,
    base_env,
    http_get,
    parse_json,
    tail,
    wait_until,
)

SERVER_START_SECONDS = 90.0
COMMAND_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_folder(path: Path) -> Path:
    """Make `path` (and its parents up to /tmp) traversable: the dev database runs as
    `postgres` when the tests run as root."""
    path.mkdir(parents=True, exist_ok=True)
    for folder in [path, *path.parents]:
        if folder == Path("/tmp") or folder == folder.parent:
            break
        folder.chmod(0o755)
    return path


class DevServer:
    """`upwatch server --dev --port P` over its own data folder; restartable."""

    def __init__(self, home: Path, logs: Path, env: Mapping[str, str] | None = None) -> None:
        self.home = open_folder(home)
        self.logs = logs
        self.port = free_port()
        self.env = base_env(home, env)
        self.process: Process | None = None
        self.workers: list[Process] = []

    @property
    def url(self) -> str:
        """The server's base address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """The server's log file (every start appends to it)."""
        return self.logs / "server.log"

    def log_text(self) -> str:
        """Everything the server has logged so far, over every start."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def describe(self) -> str:
        """The server's state and the end of its log."""
        if self.process is None:
            return f"--- server (stopped), {self.log}:\n{tail(self.log)}"
        return self.process.describe()

    def healthy(self) -> bool:
        """Whether /healthz answers 200."""
        return http_get(f"{self.url}/healthz", timeout=2)[0] == 200

    def start(self) -> DevServer:
        """Start the server; return once /healthz answers."""
        argv = [UPWATCH, "server", "--dev", "--port", str(self.port)]
        self.process = Process("server", argv, self.env, self.log)
        process = self.process
        wait_until(
            lambda: self.healthy() or not process.alive,
            SERVER_START_SECONDS,
            lambda: f"the server did not start\n{self.describe()}",
        )
        if not process.alive:
            raise AssertionError(f"the server exited at start\n{self.describe()}")
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and, unless a worker still uses it, make
        sure its database is down too."""
        if self.process is not None:
            self.process.stop()
            self.process = None
        if not any(worker.alive for worker in self.workers):
            # a running worker keeps the private database up: it is the worker's too
            self._stop_leftover_database()

    def restart(self) -> None:
        """Stop the server and start it again on the same port and data."""
        self.stop()
        self.start()

    def start_worker(self, name: str = "worker") -> Process:
        """Start `upwatch worker --dev` next to this server (same data folder)."""
        worker = Process(name, [UPWATCH, "worker", "--dev"], self.env, self.logs / f"{name}.log")
        self.workers.append(worker)
        return worker

    def _stop_leftover_database(self) -> None:
        # the server stops its database as it shuts down; after a SIGKILL it cannot
        for pid_file in self.home.glob("server-dev/pgdata/postmaster.pid"):
            pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), None)
            if pg_ctl is None:
                return
            command = [str(pg_ctl), "-D", str(pid_file.parent), "-m", "immediate", "stop"]
            if os.geteuid() == 0:
                command = ["runuser", "-u", "postgres", "--", *command]
            subprocess.run(command, capture_output=True, timeout=30, check=False)


class Desktop:
    """One computer: its data folder, its one-off `upwatch` commands and its runners."""

    def __init__(
        self,
        name: str,
        home: Path,
        logs: Path,
        env: Mapping[str, str] | None = None,
        *,
        file_store: bool = True,
    ) -> None:
        self.name = name
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.logs = logs
        store = {"UPWATCH_SECRET_STORE": "file"} if file_store else {}
        self.env = base_env(home, {**store, **(env or {})})
        self.commands = logs / f"{name}-commands.log"
        self.runner: Process | None = None

    def describe(self) -> str:
        """The end of this desktop's command log and its runner's output."""
        parts = [f"--- desktop {self.name} commands, {self.commands}:\n{tail(self.commands)}"]
        if self.runner is not None:
            parts.append(self.runner.describe())
        return "\n".join(parts)

    def run(self, *args: str, stdin: str | None = None, timeout: float = COMMAND_SECONDS) -> Done:
        """Run `upwatch ARGS` on this computer; return what it printed and its exit code."""
        argv = [UPWATCH, *args]
        started = time.monotonic()
        done = subprocess.run(
            argv,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = Done(argv, done.returncode, (done.stdout + done.stderr).rstrip())
        self.commands.parent.mkdir(parents=True, exist_ok=True)
        with self.commands.open("a", encoding="utf-8") as log:
            log.write(f"{result}\n({time.monotonic() - started:.1f} s)\n\n")
        return result

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run `upwatch ARGS`; fail unless it exits 0; return what it printed."""
        done = self.run(*args, stdin=stdin)
        assert done.code == 0, f"on {self.name}:\n{done}\n{self.describe()}"
        return done.out

    def signup(self, server: str, email: str) -> str:
        """`upwatch signup --server … --email … --password-stdin`; return its output."""
        return self.ok(
            "signup", "--server", server, "--email", email, "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )  # fmt: skip

    def login(self, server: str, email: str) -> str:
        """`upwatch login --server … --email … --password-stdin`; return its output."""
        return self.ok(
            "login", "--server", server, "--email", email, "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )  # fmt: skip

    def monitors(self) -> list[dict[str, Any]]:
        """What `upwatch list --json` shows."""
        shown: list[dict[str, Any]] = parse_json(self.ok("list", "--json"))
        return shown

    def monitor(self, name: str) -> dict[str, Any] | None:
        """The monitor called `name` in `upwatch list --json`, if listed."""
        return next((m for m in self.monitors() if m["name"] == name), None)

    def names(self) -> set[str]:
        """The names `upwatch list` shows."""
        return {m["name"] for m in self.monitors()}

    def start_runner(self) -> Process:
        """Start `upwatch run`; return once it says what it checks."""
        self.runner = Process(f"{self.name}-run", [UPWATCH, "run"], self.env, self._log("run"))
        self.runner.wait_for_line("Upwatch is checking", 30)
        return self.runner

    def start_app(self) -> Process:
        """Start the tray app offscreen (`upwatch app`)."""
        self.runner = Process(f"{self.name}-app", [UPWATCH, "app"], self.env, self._log("app"))
        return self.runner

    def _log(self, what: str) -> Path:
        return self.logs / f"{self.name}-{what}.log"


class Journey:
    """One test's world: its folder, its accounts, its desktops and what they printed."""

    def __init__(self, root: Path, server: DevServer | None) -> None:
        self.root = root
        self.server = server
        self.desktops: list[Desktop] = []
        self.servers: list[DevServer] = [server] if server is not None else []

    def email(self, who: str) -> str:
        """A new account's address (each test has its own accounts on the shared server)."""
        return f"{who}-{uuid.uuid4().hex[:8]}@example.com"

    def desktop(self, name: str, *, file_store: bool = True, **env: str) -> Desktop:
        """A new computer with an empty data folder (its secrets in the file store unless
        `file_store` is False: then there is no usable place for them)."""
        made = Desktop(name, self.root / name, self.root / "logs", env, file_store=file_store)
        self.desktops.append(made)
        return made

    def own_server(self, **env: str) -> DevServer:
        """A server of this test only (stopped at its end)."""
        made = DevServer(self.root / "server", self.root / "logs", env)
        self.servers.append(made)
        return made

    def describe(self) -> str:
        """Every log of this journey, for a failure report."""
        parts = [server.describe() for server in self.servers]
        parts += [worker.describe() for s in self.servers for worker in s.workers]
        parts += [desktop.describe() for desktop in self.desktops]
        return "\n\n".join(parts)


JOURNEY_KEY = pytest.StashKey[Journey]()  # a test's journey, for its failure report
