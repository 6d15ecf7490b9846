"""The database: one engine per app, one session (unit of work) per request."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from sync_server.errors import UpwatchError

# As many connections as AnyIO's worker threads (40), so threads rarely wait for one; a wait
# that lasts POOL_TIMEOUT_S answers 503 instead of holding a thread (and the whole pool) up.
POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT_S = 20, 20, 2.0


def make_engine(url: str) -> Engine:
    """Return an engine whose pool matches the thread pool; dead connections are replaced."""
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
    )


def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Yield a session; commit when the request succeeds, roll back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except UpwatchError as exc:
            if exc.keep_changes:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
