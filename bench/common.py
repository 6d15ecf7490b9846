"""What the PostgreSQL benchmarks (api.py, sync.py, worker.py) share.

CPU from /proc, the private database, stopping processes, `upwatch server` in its own
process, py-spy, and the versions of what is measured. The scripts import it as `common`:
running `python bench/x.py` puts bench/ on sys.path first.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, TypeVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.support is not an installed package

import psycopg  # noqa: E402

from sync_server.db import libpq_url  # noqa: E402
from sync_server.migrations.runner import upgrade  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.threaded_app import find_free_port  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
PY_SPY = Path(sys.executable).with_name("py-spy")
DATABASE = "upwatch_bench"

SERVER_CODE = "import sys; from sync_server.cli import main; sys.exit(main(sys.argv[1:]))"
JWT_SECRET = f"bench-{uuid.uuid4().hex}-{uuid.uuid4().hex}"
DATA_KEY = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode()  # seals channel configs
ISSUER = "upwatch"
# ServerSettings also reads these unprefixed names: the bench's server must not inherit them.
SETTINGS_WITHOUT_PREFIX = ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "SENTRY_DSN")
# The benches come from one IP and few users, so the limits must not refuse them. Per second
# for the IP keeps its moving window as short as production's 100/minute; per hour for users
# keeps theirs (one entry per request) as long as production's 1000/hour.
RATE_LIMIT_IP = "1000000/second"
RATE_LIMIT_USER = "1000000/hour"


# -- CPU from /proc ---------------------------------------------------------------------------


def _stat_fields(pid: int | str) -> list[str]:
    """Return the fields of /proc/<pid>/stat after the command name (state is index 0)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()


def process_cpu_s(pid: int, *, children: bool = False) -> float:
    """Return utime + stime of a process (all its threads), in seconds.

    children: add cutime + cstime, the CPU of its children it has waited for.
    """
    fields = _stat_fields(pid)
    return sum(int(v) for v in fields[11 : 15 if children else 13]) / CLK_TCK


def process_sys_s(pid: int) -> float:
    """Return the kernel part (stime + cstime) of process_cpu_s(pid, children=True), in seconds."""
    fields = _stat_fields(pid)
    return (int(fields[12]) + int(fields[14])) / CLK_TCK


def postgres_cpu_s(postmaster: int) -> float:
    """Return the CPU seconds of PostgreSQL: the postmaster, its live and its reaped children."""
    fields = _stat_fields(postmaster)
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            child = _stat_fields(entry.name)
        except (OSError, IndexError):  # it exited meanwhile; its time went to the cutime
            continue
        if int(child[1]) == postmaster:
            total += int(child[11]) + int(child[12])
    return total / CLK_TCK


# -- the database -----------------------------------------------------------------------------


def postmaster_pid(server: PostgresServer) -> int:
    """Return the pid of the server's postmaster (first line of postmaster.pid)."""
    return int((server.data / "postmaster.pid").read_text().split("\n", 1)[0])


def create_database(
    server: PostgresServer, name: str = DATABASE, template: str | None = None
) -> str:
    """Create database name and return its SQLAlchemy URL.

    A copy of template when given (it holds the template's schema), else a new database that
    the real migrations bring up to date.
    """
    with psycopg.connect(libpq_url(server.url()), autocommit=True) as conn:
        suffix = "" if template is None else f" TEMPLATE {template}"
        conn.execute(f"CREATE DATABASE {name}{suffix}")  # our own fixed names
    url = server.url(name)
    if template is None:
        upgrade(url)
    return url


# -- processes -------------------------------------------------------------------------------


def stop_processes(
    procs: Sequence[subprocess.Popen[Any]], sig: signal.Signals, *, timeout: float
) -> None:
    """Send sig to every process, then wait for each, killing one that takes over timeout s."""
    for proc in procs:
        proc.send_signal(sig)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the API server ---------------------------------------------------------------------------


class ApiServer:
    """`upwatch server` (sync_server.cli) in its own process, on a free port.

    It signs tokens with JWT_SECRET and ISSUER and allows RATE_LIMIT_IP / RATE_LIMIT_USER.
    """

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = find_free_port()
        self.log_path = log_path
        self.database_url = database_url
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_from = 0

    @property
    def base_url(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> int:
        """Start the server and wait for /healthz; return its pid."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("UPWATCH_") and k not in SETTINGS_WITHOUT_PREFIX
        }
        env |= {
            "UPWATCH_DATABASE_URL": self.database_url,
            "UPWATCH_JWT_SECRET": JWT_SECRET,
            "UPWATCH_DATA_KEYS": DATA_KEY,
            "UPWATCH_JWT_ISSUER": ISSUER,
            "UPWATCH_RATE_LIMIT_IP": RATE_LIMIT_IP,
            "UPWATCH_RATE_LIMIT_USER": RATE_LIMIT_USER,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        }
        command = [sys.executable, "-c", SERVER_CODE, "serve", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self.proc.pid
            except OSError:
                time.sleep(0.1)
        tail = self.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"the API server did not start:\n{tail}")

    def log_text(self) -> str:
        """Return what the server printed since it started (or since clear_log)."""
        return self.log_path.read_text(errors="replace")[self._log_from :]

    def clear_log(self) -> None:
        """Make log_text start from here."""
        self._log_from = len(self.log_path.read_text(errors="replace"))

    def logged_errors(self) -> int:
        """Return how many error lines (JSON level error/critical, or tracebacks) it logged."""
        found = 0
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                found += isinstance(entry, dict) and entry.get("level") in ("error", "critical")
            elif line.startswith("Traceback"):
                found += 1
        return found

    def stop(self) -> None:
        """Stop the server (SIGINT, as Ctrl-C would), killing it if it hangs."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        stop_processes([proc], signal.SIGINT, timeout=10)


# -- py-spy -----------------------------------------------------------------------------------


def py_spy_record(
    pid: int,
    out: Path,
    *,
    rate: int,
    fmt: str = "raw",
    seconds: int | None = None,
    gil: bool = False,
    spy: Path | str = PY_SPY,
) -> subprocess.Popen[bytes]:
    """Start `py-spy record` on pid into out (raw: collapsed stacks, one per line).

    seconds: stop after that long, else at SIGINT; gil: only the thread holding the GIL.
    """
    command = [str(spy), "record", "--pid", str(pid), "--rate", str(rate)]
    command += [] if seconds is None else ["--duration", str(seconds)]
    command += ["--gil"] if gil else []
    command += ["--nonblocking", "--format", fmt, "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- versions ---------------------------------------------------------------------------------


def package_version(package: str) -> str:
    """Return an installed package's version, or "missing"."""
    try:
        return version(package)
    except Exception:  # PackageNotFoundError and broken metadata alike
        return "missing"


def code_revision(path: str, *more: str) -> str:
    """Return the commit of the code under test, noting local changes below the paths."""
    paths = (path, *more)
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{REPO} (not a git checkout)"
    if not changed:
        return commit
    *most, last = sorted(f"{name}/" for name in paths)
    return f"{commit} + local changes in {', '.join(most) + ' or ' if most else ''}{last}"


class PrintOptions(Protocol):
    """What run_and_print needs of a benchmark's options."""

    @property
    def as_json(self) -> bool:
        """Whether the figures go out as JSON rather than as the table."""
        ...


OptionsT = TypeVar("OptionsT", bound=PrintOptions)
FiguresT = TypeVar("FiguresT")


def run_and_print(
    options: OptionsT,
    measure: Callable[[OptionsT], FiguresT],
    report: Callable[[FiguresT], str],
) -> int:
    """Measure, print the figures (JSON or the table) and return 0: a MISS is a figure, not a
    failure."""
    figures = measure(options)
    print(json.dumps(figures) if options.as_json else report(figures))
    return 0
