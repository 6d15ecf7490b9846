"""One runner per data folder: `upwatch run` and the tray app hold an exclusive file lock.

Two runners on one database would check every monitor twice and send every alert twice.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from desktop.errors import UpwatchError

LOCK_FILE = "runner.lock"


class RunnerBusy(UpwatchError):
    """Another runner already checks the monitors of this data folder."""

    exit_code = 2


class RunnerLock:
    """An exclusive lock on <data dir>/runner.lock, released by the OS when the process ends."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock; raise RunnerBusy naming the holder's pid when it is taken."""
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunnerBusy(
                f"Upwatch is already checking these monitors (pid {holder}); stop it first, or"
                " set UPWATCH_HOME to use another data folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Let go of the lock."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
