"""The database: opens (and migrates) the file and hands out units of work."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from desktop.errors import StorageError
from desktop.storage.connection import connect
from desktop.storage.migrations import migrate
from desktop.storage.recovery import MovedAside, is_damage, move_aside

log = logging.getLogger(__name__)


class Database:
    """One SQLite file: migrated on open, sessions that commit once per unit of work.

    A file SQLite calls damaged (malformed, not a database) is moved aside and a fresh one
    made; moved_aside then says where it went, for the UI and the CLI to tell the user.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.moved_aside: MovedAside | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _open_and_migrate(path)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise StorageError(f"cannot open the database {path}: {exc}") from exc
            self.moved_aside = _move_damaged(path, exc)
            try:
                _open_and_migrate(path)
            except sqlite3.DatabaseError as again:
                raise StorageError(f"cannot open the database {path}: {again}") from again
        self.engine: Engine = _engine(path)
        event.listen(self.engine, "begin", _begin_immediate)
        # Reads run as single autocommit statements and never hold the write lock.
        self.read_engine: Engine = _engine(path)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a write session; commit when the block ends without error, else roll back."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """Yield a session for reads only."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def schema_state(self) -> tuple[int, str]:
        """Return the file's schema version (PRAGMA user_version) and journal mode."""
        with self.reader() as session:
            conn = dbapi(session)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            return version, str(conn.execute("PRAGMA journal_mode").fetchone()[0])

    def raw(self) -> sqlite3.Connection:
        """Return a new plain connection from the same factory (caller closes it).

        Only for code that has not moved to session() / reader() yet: a connection of its
        own runs outside every unit of work.
        """
        return connect(self.path)

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
        self.read_engine.dispose()


def dbapi(session: OrmSession) -> sqlite3.Connection:
    """Return the SQLite connection under a unit of work, for the storage modules' SQL.

    The one place the driver connection is reached: inside session() its transaction has
    begun (BEGIN IMMEDIATE), so these statements commit or roll back with the session's.
    """
    conn = session.connection().connection.driver_connection
    if not isinstance(conn, sqlite3.Connection):
        raise StorageError("the session is not on an Upwatch SQLite connection")
    return conn


def _open_and_migrate(path: Path) -> None:
    conn = connect(path)
    try:
        migrate(conn)
    finally:
        conn.close()


def _move_damaged(path: Path, exc: sqlite3.DatabaseError) -> MovedAside:
    try:
        moved = move_aside(path, datetime.now(UTC), str(exc))
    except OSError as move_error:
        raise StorageError(
            f"the database {path} is damaged ({exc}) and could not be moved aside"
            f" ({move_error.strerror or move_error}); move or delete it yourself"
        ) from exc
    log.error("the database %s was damaged (%s); moved it to %s", path, exc, moved.moved_to)
    return moved


def _engine(path: Path) -> Engine:
    return create_engine(
        "sqlite://",
        creator=lambda: connect(path, check_same_thread=False),
        poolclass=QueuePool,
        pool_size=2,
    )


def _begin_immediate(conn: Any) -> None:
    # Take the write lock up front (see connect()); pysqlite would otherwise begin lazily.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
