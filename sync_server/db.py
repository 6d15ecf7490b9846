"""The database: one engine per app, one session (unit of work) per request."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from sync_server.errors import UpwatchError

# As many connections as AnyIO's worker threads (40), so threads rarely wait for one; a wait
# that lasts POOL_TIMEOUT_S answers 503 instead of holding a thread (and the whole pool) up.
POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT_S = 20, 20, 2.0


def make_engine(url: str) -> Engine:
    """Return an engine whose pool matches the thread pool; dead connections are replaced.

    No pre-ping: it cost a round trip and ~0.08 ms of CPU on every request (bench/README.md).
    A connection that died with its server fails the request that meets it (503 with
    Retry-After), and SQLAlchemy then drops every connection older than the failure, so a
    PostgreSQL restart costs a few 503s, not one per pooled connection."""
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
    )


def open_session(engine: Engine) -> Session:
    """A unit of work; opening it does no I/O (the first query takes a connection)."""
    return Session(engine, expire_on_commit=False)


def finish(session: Session, error: BaseException | None) -> None:
    """End a unit of work in one go: commit on success (or a keep_changes error), else roll
    back; then give the connection back. Blocking: call it in a worker thread."""
    try:
        keep = error is None or (isinstance(error, UpwatchError) and error.keep_changes)
        if keep:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL of the settings as psycopg wants it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)
