"""RedisServer: a private redis-server on loopback, no persistence, for the rate-limit tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from typing import Self

from tests.support.threaded_app import LOOPBACK, find_free_port


class RedisServer:
    """Starts `redis-server` on 127.0.0.1 at a free port; stop() ends it."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: apt-get install redis-server")
        self.binary = binary
        self.port = find_free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> Self:
        """Start the server and wait until it accepts connections."""
        options = ["--save", "", "--appendonly", "no", "--protected-mode", "no"]
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", LOOPBACK, *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Terminate the server."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
