"""`upwatch server --dev` started for real, as a separate process, on a free port.

The test's PostgreSQL is named in UPWATCH_DATABASE_URL, so --dev uses it (and its dev
secrets) instead of starting a private database; any other setting comes in as UPWATCH_*
environment variables, the way a deployment gives them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Self

from tests.support.threaded_app import find_free_port

UPWATCH = Path(sys.executable).parent / "upwatch"


class LiveServer:
    """The `upwatch server --dev` command over `database_url`; start() waits for /healthz."""

    def __init__(self, database_url: str, environment: Mapping[str, str]) -> None:
        self.port = find_free_port()
        self.environment = {
            **os.environ,
            **environment,
            "UPWATCH_DATABASE_URL": database_url,
        }
        self._log: IO[bytes] = tempfile.TemporaryFile(prefix="upwatch-live-")  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base address."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self, timeout: float = 30) -> Self:
        """Start the process; return once /healthz answers 200; raise RuntimeError if not."""
        command = [str(UPWATCH), "server", "--dev", "--host", "127.0.0.1", "--port", str(self.port)]
        self._process = subprocess.Popen(
            command, env=self.environment, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"`upwatch server --dev` exited:\n{self.output()}")
            if self._healthy():
                return self
            time.sleep(0.05)
        message = f"`upwatch server --dev` did not answer /healthz:\n{self.output()}"
        self.stop()
        raise RuntimeError(message)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 15 s) and close its log."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=15)
        self._log.close()
