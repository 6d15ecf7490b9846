"""A private PostgreSQL for `upwatch server --dev`, kept in the user data dir between runs."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
from pathlib import Path

from sync_server.errors import UpwatchError

BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14", "13")]
INSTALL_HINT = (
    "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them"
    " (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql),"
    " or set UPWATCH_DATABASE_URL to a server you have."
)


def _bin_dir() -> Path:
    for candidate in BIN_DIRS:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found is None:
        raise UpwatchError(INSTALL_HINT)
    return Path(found).parent


ROOT_FALLBACK = Path("/var/lib/upwatch/server-dev")


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DevDatabase:
    """initdb once in <dir>, start on a free port, stop on exit; as root runs as `postgres`."""

    def __init__(self, directory: Path) -> None:
        self.bin_dir = _bin_dir()
        self.directory = directory
        self.data = directory / "pgdata"
        self.port = _free_port()
        self.running = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 - our own fixed program paths and arguments
            command, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise UpwatchError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> str:
        """Start the server (creating it the first time); return its database URL."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", log, "-o", options, "start")
        self.running = True
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the server if it runs (fast shutdown: committed data is kept)."""
        if self.running:
            self.running = False
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")
