"""PostgresServer: a private, throwaway PostgreSQL for the tests.

initdb refuses to run as root, so as root every server command runs as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Self

from tests.support.threaded_app import find_free_port

BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14")]


def find_bin_dir() -> Path | None:
    """Return the directory holding initdb and pg_ctl, if PostgreSQL is installed."""
    for candidate in BIN_DIRS:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresServer:
    """Starts `postgres` on 127.0.0.1 with its data in a temporary directory."""

    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
        self.bin_dir = bin_dir
        self.port = find_free_port()
        self.root = Path(tempfile.mkdtemp(prefix="upwatch-pg-"))
        self.data = self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> Self:
        """initdb and start; return self."""
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self._pg_ctl("start")
        return self

    def restart(self) -> None:
        """Stop the server (ending every connection) and start it again on the same data.

        Fast, not immediate: this server runs with synchronous_commit off, so a crash would
        lose the last commits, which is PostgreSQL's setting at work, not ours."""
        self._pg_ctl("restart", "-m", "fast")

    def _pg_ctl(self, action: str, *more: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", log, "-o", options, *more, action)

    def url(self, database: str = "postgres") -> str:
        """Return a SQLAlchemy URL for a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
