"""FileLock: one process at a time (the tray app, `upwatch sync`, `upwatch run`).

The server rotates the refresh token on every use and treats a second use of an old one as
theft (it revokes the whole session). Two Upwatch processes refreshing at the same moment
would both send the same token; holding this lock around "read the token, refresh, store the
new one" makes the second process read the token the first one stored.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from desktop.errors import CloudError

POLL_S = 0.05


class FileLock:
    """An exclusive lock on a file, waited for without blocking the event loop."""

    def __init__(self, path: Path, *, timeout: float = 20.0) -> None:
        self.path = path
        self.timeout = timeout

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the lock for the block; raise CloudError if another process keeps it."""
        handle = await asyncio.to_thread(_open, self.path)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.timeout
            while not _try_lock(handle):
                if loop.time() > deadline:
                    raise CloudError(
                        f"another Upwatch process has held {self.path.name} for"
                        f" {self.timeout:.0f} s; try again"
                    )
                await asyncio.sleep(POLL_S)
            yield
        finally:
            handle.close()  # closing releases the lock


def _open(path: Path) -> IO[str]:
    return open(path, "a+", encoding="utf-8")


def _try_lock(handle: IO[str]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
