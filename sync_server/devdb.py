"""The private PostgreSQL of `upwatch server --dev` and `upwatch worker --dev`, kept in the
user data dir between runs and shared by the dev processes of one home.

It keeps its port: the one it last ran on (remembered in <dir>/port) unless another program
took it, so a worker or a server restarted later finds it where it was. Each dev process
that uses it holds a shared lock on <dir>/users.lock while it runs, and whoever leaves last
stops it: stopping the server leaves it up under a running worker and the other way round.
The kernel drops the lock of a process that dies, even by kill -9, so a crashed process
never keeps it from being stopped. Joining, starting and stopping happen under
<dir>/control.lock, so two processes starting at once do not both start it.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import platformdirs

from sync_server.errors import UpwatchError

BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14", "13")]
INSTALL_HINT = (
    "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them"
    " (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql),"
    " or set UPWATCH_DATABASE_URL to a server you have."
)
ROOT_FALLBACK = Path("/var/lib/upwatch/server-dev")
CONTROL_WAIT_S = 120.0  # initdb and the migrations run under the control lock


def _bin_dir() -> Path:
    for candidate in BIN_DIRS:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found is None:
        raise UpwatchError(INSTALL_HINT)
    return Path(found).parent


def reachable_by(user: str, path: Path) -> bool:
    """True when user can traverse every existing ancestor of path (mode bits only)."""
    uid = pwd.getpwnam(user).pw_uid
    for parent in [p for p in path.parents if p.exists()]:
        mode = parent.stat()
        needed = stat.S_IXUSR if mode.st_uid == uid else stat.S_IXOTH
        if not mode.st_mode & needed:
            return False
    return True


def dev_directory(preferred: Path) -> Path:
    """Where the dev database lives: preferred, unless root's postgres user cannot reach it."""
    if os.geteuid() == 0 and not reachable_by("postgres", preferred):
        return ROOT_FALLBACK
    return preferred


def dev_home_directory() -> Path:
    """The dev database's directory for this user: server-dev in UPWATCH_HOME or the user
    data dir (as root, somewhere the postgres user can reach)."""
    home = os.environ.get("UPWATCH_HOME") or platformdirs.user_data_dir("upwatch")
    return dev_directory(Path(home) / "server-dev")


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (connections left from a stopped server
    do not count: PostgreSQL binds with SO_REUSEADDR too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def remembered_port(path: Path) -> int:
    """The port remembered in path if it is still free, else a free one (then remembered)."""
    with suppress(OSError, ValueError):
        port = int(path.read_text().strip())
        if 0 < port < 65536 and port_is_free(port):
            return port
    port = _free_port()
    path.write_text(f"{port}\n")
    return port


class DevDatabase:
    """One dev process's use of the private server in <dir>; as root runs it as `postgres`."""

    def __init__(self, directory: Path) -> None:
        self.bin_dir = _bin_dir()
        self.directory = directory
        self.data = directory / "pgdata"
        self.port = 0
        self.started = False  # True when this process started it (False: it was running)
        self._users_fd: int | None = None

    def _pg(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own fixed program paths and arguments
            command, capture_output=True, text=True, timeout=120, check=False
        )

    def _run(self, *args: str) -> None:
        done = self._pg(*args)
        if done.returncode != 0:
            raise UpwatchError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def running_port(self) -> int | None:
        """The port of the server running on this data dir, or None when none runs."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists() or self._pg("pg_ctl", "status", "-D", str(self.data)).returncode:
            return None
        lines = pid_file.read_text().splitlines()
        try:
            return int(lines[3])  # the pid file's fourth line is the port
        except (IndexError, ValueError):
            raise UpwatchError(f"cannot read the port of the PostgreSQL in {self.data}") from None

    @contextmanager
    def _control(self) -> Iterator[None]:
        fd = os.open(self.directory / "control.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + CONTROL_WAIT_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise UpwatchError(
                            f"another Upwatch dev process has been starting or stopping the"
                            f" PostgreSQL in {self.directory} for {CONTROL_WAIT_S:.0f} s"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing drops the lock

    def start(self, prepare: Callable[[str], None] | None = None) -> str:
        """Use the running server or start it (creating it the first time); return its URL.

        prepare(url), such as the migrations, runs before another dev process can join.
        Raises UpwatchError when PostgreSQL cannot be started.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        with self._control():
            self._users_fd = os.open(self.directory / "users.lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._users_fd, fcntl.LOCK_SH)
            try:
                port = self.running_port()
                if port is None:
                    port = self._start_server()
                self.port = port
                if prepare is not None:
                    prepare(self.url)
            except BaseException:
                self._leave_locked()
                raise
        return self.url

    @property
    def url(self) -> str:
        """The database URL (SQLAlchemy form) once started."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _start_server(self) -> int:
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        port = remembered_port(self.directory / "port")
        options = f"-p {port} -k {self.directory} -c listen_addresses=127.0.0.1"
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", log, "-o", options, "start")
        self.started = True
        return port

    def stop(self) -> bool:
        """Stop using the server; stop it (fast: committed data is kept) when no other dev
        process uses it. Return True when it was stopped."""
        if self._users_fd is None:
            return False
        with self._control():
            return self._leave_locked()

    def _leave_locked(self) -> bool:
        if self._users_fd is not None:
            os.close(self._users_fd)
            self._users_fd = None
        probe = os.open(self.directory / "users.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # another dev process holds its shared lock: it still uses it
        finally:
            os.close(probe)
        if self.running_port() is None:
            return False
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")
        return True

    def describe_start(self) -> str:
        """One line for the terminal: started or found running, where."""
        where = f"127.0.0.1:{self.port} ({self.data})"
        if self.started:
            return f"Private PostgreSQL started on {where}."
        return f"Private PostgreSQL already running on {where}: using it too."

    def describe_stop(self, stopped: bool) -> str:
        """One line for the terminal after stop()."""
        if stopped:
            return "Private PostgreSQL stopped."
        return "Private PostgreSQL left running: another Upwatch dev process uses it."
