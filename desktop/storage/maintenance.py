"""Database upkeep through sqlite-utils: what the file holds, and compacting it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from desktop.storage.connection import connect


@dataclass(frozen=True, slots=True)
class TableStats:
    """Rows and bytes (pages incl. the table's own indexes) of one table."""

    name: str
    rows: int
    bytes: int | None


def _bytes_by_table(conn: sqlite3.Connection) -> dict[str, int] | None:
    try:
        rows = conn.execute(
            "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s"
            " LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without the dbstat table
        return None
    return {str(name): int(size) for name, size in rows}


def table_stats(path: Path) -> list[TableStats]:
    """Return rows and bytes of every table of the database at path."""
    conn = connect(path)
    try:
        db = sqlite_utils.Database(conn)
        sizes = _bytes_by_table(conn)
        return [
            TableStats(
                name=table.name,
                rows=table.count,
                bytes=sizes.get(table.name) if sizes is not None else None,
            )
            for table in db.tables
        ]
    finally:
        conn.close()


def compact(path: Path) -> tuple[int, int]:
    """Checkpoint the WAL, VACUUM and ANALYZE; return the file size before and after."""
    before = _size(path)
    conn = connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db = sqlite_utils.Database(conn)
        db.vacuum()
        db.analyze()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return before, _size(path)


def _size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
