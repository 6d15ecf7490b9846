"""The one place SQLite connections are made, so every one has the same pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path | str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Return a connection in WAL mode with a busy timeout, foreign keys and manual transactions.

    isolation_level=None leaves transactions to us: writers open them with BEGIN IMMEDIATE so
    a read never has to be upgraded to a write lock (the 'database is locked' trap).
    """
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=check_same_thread,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives a crash of the app; only a power loss can
        # take the last few transactions, never corrupt the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        # closed now, not whenever the traceback is freed: a damaged file is moved aside next,
        # and a late close would tidy up (delete) the -wal of the fresh file at this path
        conn.close()
        raise
    return conn
