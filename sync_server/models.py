"""The base of the server's tables: its own metadata, apart from the desktop's SQLite tables.

Both sides name a table `monitors`; in one process (the `upwatch` launcher) they must not
share SQLModel's default registry.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime
from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class ServerModel(SQLModel, registry=registry()):
    """Base class of every server table."""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (every server timestamp is)."""
    return datetime.now(UTC)


def utc_column(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    """A `timestamptz` column (a new Column object for each use)."""
    return Column(DateTime(timezone=True), nullable=nullable)
