"""sync_meta: the account's server, cursors and device id as key/value text rows."""

from __future__ import annotations

import sqlite3

_GET = "SELECT value FROM sync_meta WHERE key = ?"
_PUT = (
    "INSERT INTO sync_meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_DELETE = "DELETE FROM sync_meta WHERE key = ?"


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """Return the value stored under key, or None."""
    row = conn.execute(_GET, (key,)).fetchone()
    return None if row is None else str(row[0])


def put_meta(conn: sqlite3.Connection, **values: str | None) -> None:
    """Store each value under its key; None removes the key (caller commits)."""
    for key, value in values.items():
        if value is None:
            conn.execute(_DELETE, (key,))
        else:
            conn.execute(_PUT, (key, value))
