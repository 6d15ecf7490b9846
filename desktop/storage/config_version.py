"""A counter of configuration changes, and a cheap probe that tells when it may have moved.

The runner must notice a monitor or channel changed by another process (`upwatch add` in a
terminal) within a second, without re-reading every monitor. Triggers bump one counter row
whenever a monitor's, a channel's or a link's configuration changes, whoever writes it; the
runtime columns the result writer updates four times a second are left out, so results
never look like configuration. `ChangeProbe` asks SQLite's `PRAGMA data_version` first (it
moves only when another connection committed, and costs no read), then the counter.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from desktop.errors import StorageError
from desktop.storage.connection import connect

TABLE = "config_version"
# Columns kept up to date by checks, deliveries and sync of results: never configuration.
RUNTIME_COLUMNS: dict[str, frozenset[str]] = {
    "monitors": frozenset(
        {
            "status",
            "state",
            "last_checked_at",
            "last_response_ms",
            "last_error",
            "cloud_status",
            "cloud_checked_at",
        }
    ),
    "alert_channels": frozenset({"failures", "last_error", "last_error_at", "last_sent_at"}),
    "monitor_channels": frozenset(),
}
_CREATE = (
    "CREATE TABLE IF NOT EXISTS config_version"
    " (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
)
_SEED = "INSERT OR IGNORE INTO config_version (id, version) VALUES (1, 0)"
_BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1;"
_READ = "SELECT version FROM config_version WHERE id = 1"


def install(conn: sqlite3.Connection) -> None:
    """Create the counter and its triggers, or bring the triggers up to date (caller commits).

    Writes nothing when they already match the tables' columns, so it is cheap at every start.
    """
    conn.execute(_CREATE)
    conn.execute(_SEED)
    wanted = _triggers(conn)
    found = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            (f"{TABLE}_%",),
        ).fetchall()
    )
    for name in set(found) - set(wanted):
        conn.execute(f'DROP TRIGGER "{name}"')
    for name, sql in wanted.items():
        if found.get(name) != sql:
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            conn.execute(sql)


def _triggers(conn: sqlite3.Connection) -> dict[str, str]:
    triggers: dict[str, str] = {}
    for table, runtime in RUNTIME_COLUMNS.items():
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        watched = ", ".join(f'"{c}"' for c in columns if c not in runtime)
        for event in ("INSERT", "DELETE", f"UPDATE OF {watched}"):
            name = f"{TABLE}_{table}_{event.split()[0].lower()}"
            triggers[name] = f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN {_BUMP} END'
    return triggers


def read_version(session: Session) -> int:
    """Return the configuration version in the session's snapshot (0 before install)."""
    value = session.connection().execute(text(_READ)).scalar_one_or_none()
    return int(value or 0)


class ChangeProbe:
    """Its own read connection: poll() says whether the configuration version moved.

    Used from one task at a time, which may hop between worker threads.
    """

    def __init__(self, path: Path) -> None:
        self._conn = connect(path, check_same_thread=False)
        self._data_version: int | None = None

    def poll(self) -> int | None:
        """Return the configuration version when anything was committed since the last
        poll (by another connection), else None without reading any table."""
        try:
            data_version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            if data_version == self._data_version:
                return None
            self._data_version = data_version
            row = self._conn.execute(_READ).fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"could not read the configuration version: {exc}") from exc
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
