"""The database: one engine per app, one session (unit of work) per request."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from sync_server.errors import UpwatchError


def make_engine(url: str) -> Engine:
    """Return an engine with a small, pre-pinged pool."""
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


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
