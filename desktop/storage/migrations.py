"""Schema versions: each migration runs in one transaction with PRAGMA user_version."""

from __future__ import annotations

import sqlite3

from desktop.errors import StorageError

_HIST = ", ".join(f"h{i} INTEGER NOT NULL DEFAULT 0" for i in range(12))


def _rollup_table(name: str) -> str:
    return f"""
CREATE TABLE {name} (
    monitor_pk INTEGER NOT NULL REFERENCES monitors(pk) ON DELETE CASCADE,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    up INTEGER NOT NULL DEFAULT 0,
    degraded INTEGER NOT NULL DEFAULT 0,
    down INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    rt_count INTEGER NOT NULL DEFAULT 0,
    rt_sum INTEGER NOT NULL DEFAULT 0,
    rt_min INTEGER,
    rt_max INTEGER,
    {_HIST},
    PRIMARY KEY (monitor_pk, bucket, source)
) WITHOUT ROWID"""


# Version 1: never edit a released migration; add a new one below it.
V1 = [
    """
CREATE TABLE monitors (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'http',
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'GET',
    interval INTEGER NOT NULL,
    timeout REAL NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    body TEXT,
    expected_status TEXT NOT NULL DEFAULT '200-299',
    keyword TEXT,
    keyword_absent INTEGER NOT NULL DEFAULT 0,
    degraded_after_ms INTEGER,
    follow_redirects INTEGER NOT NULL DEFAULT 1,
    verify_tls INTEGER NOT NULL DEFAULT 1,
    confirmations INTEGER NOT NULL DEFAULT 2,
    reminder_minutes INTEGER,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unknown',
    state TEXT,
    last_checked_at INTEGER,
    last_response_ms INTEGER,
    last_error TEXT
)""",
    # One row per check, clustered by monitor and time: no separate index, ~30 bytes a row.
    # The result's UUID is derived from (monitor id, checked_at, source), not stored.
    """
CREATE TABLE checks (
    monitor_pk INTEGER NOT NULL REFERENCES monitors(pk) ON DELETE CASCADE,
    checked_at INTEGER NOT NULL,
    source INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL,
    status_code INTEGER,
    response_ms INTEGER,
    error TEXT,
    PRIMARY KEY (monitor_pk, checked_at, source)
) WITHOUT ROWID""",
    _rollup_table("rollups_hourly"),
    _rollup_table("rollups_daily"),
    """
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    monitor_pk INTEGER NOT NULL REFERENCES monitors(pk) ON DELETE CASCADE,
    source INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    first_error TEXT
)""",
    "CREATE INDEX incidents_by_monitor ON incidents (monitor_pk, started_at)",
    """
CREATE TABLE alert_channels (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at TEXT,
    last_sent_at TEXT
)""",
    """
CREATE TABLE monitor_channels (
    monitor_pk INTEGER NOT NULL REFERENCES monitors(pk) ON DELETE CASCADE,
    channel_pk INTEGER NOT NULL REFERENCES alert_channels(pk) ON DELETE CASCADE,
    PRIMARY KEY (monitor_pk, channel_pk)
) WITHOUT ROWID""",
    """
CREATE TABLE deliveries (
    pk INTEGER PRIMARY KEY,
    channel_pk INTEGER NOT NULL REFERENCES alert_channels(pk) ON DELETE CASCADE,
    monitor_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT
)""",
]

# Version 2: user settings of the desktop app (key/value, JSON values).
V2 = ["CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"]

# Version 3: sync with Upwatch Cloud.
V3 = [
    "ALTER TABLE monitors ADD COLUMN cloud INTEGER NOT NULL DEFAULT 0",
    # local changes not yet acknowledged by the server, one row per entity (edits coalesce);
    # error: why the server refused it last time (kept, and retried on the next sync)
    """
CREATE TABLE sync_outbox (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID""",
    "CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # one row per commit of local results: the oldest check in it. A push sends every check
    # at or after the oldest one committed since the last push, so a check that commits late
    # is never missed (the server ignores the ones it has).
    "CREATE TABLE write_log"
    " (seq INTEGER PRIMARY KEY AUTOINCREMENT, min_checked_at INTEGER NOT NULL)",
]

# Version 4: the newest cloud result per monitor, for "down from here only" and friends.
V4 = [
    "ALTER TABLE monitors ADD COLUMN cloud_status TEXT",
    "ALTER TABLE monitors ADD COLUMN cloud_checked_at INTEGER",
]

# Version 5: alert channels in sync. cloud: where the channel lives ("synced": this computer
# holds its address and the cloud has it too; "remote": made elsewhere, the address stays in
# the cloud; "local": a kind only this computer sends). cloud_monitors: the monitor ids the
# cloud links it to (JSON), kept until those monitors have arrived here.
V5 = [
    "ALTER TABLE alert_channels ADD COLUMN cloud TEXT",
    "ALTER TABLE alert_channels ADD COLUMN cloud_monitors TEXT",
]

# Version 6: the account's other devices whose results sync brought here. Their checks and
# rollups carry the device's code as their source (0 is this computer, 1 the cloud), so one
# device's result never mixes with another's, nor counts twice.
V6 = [
    "CREATE TABLE sync_devices (code INTEGER PRIMARY KEY CHECK (code >= 2),"
    " device_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
]

# Version 7: tags, a JSON list of {"name", "color"} as the monitor definition has them.
V7 = ["ALTER TABLE monitors ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'"]

MIGRATIONS: list[list[str]] = [V1, V2, V3, V4, V5, V6, V7]
LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to LATEST and return the version found; raise StorageError if newer.

    Each step runs with its user_version bump in one transaction, so an interrupted
    migration leaves the old version intact.
    """
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > LATEST:
        raise StorageError(
            f"this database was written by a newer Upwatch (schema {found}, we know {LATEST});"
            " upgrade Upwatch to open it"
        )
    for version in range(found + 1, LATEST + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current >= version:  # another process migrated while we waited
                conn.execute("COMMIT")
                continue
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after SQLITE_FULL (also IOERR, NOMEM, BUSY): a
            # second ROLLBACK would raise "cannot rollback" and hide the real error
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return found
