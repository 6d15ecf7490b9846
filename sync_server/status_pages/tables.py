"""Status pages and the ordered monitors on them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now


class StatusPage(ServerModel, table=True):
    """A public page at /s/{slug}; synced like monitors (seq, updated_at, tombstone)."""

    __tablename__ = "status_pages"
    __table_args__ = (
        Index("status_pages_user_seq", "user_id", "seq"),
        # a deleted page gives its slug back
        Index("status_pages_live_slug", "slug", unique=True, postgresql_where=text("NOT deleted")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    slug: str = Field(max_length=60)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    # an unpublished page answers 404 like a missing one
    published: bool = True
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    seq: int = Field(default=0, sa_type=BigInteger)
    deleted: bool = False
    changed_by: str = Field(default="api", max_length=64)


class StatusPageMonitor(ServerModel, table=True):
    """One monitor on one page, at a position (0 first)."""

    __tablename__ = "status_page_monitors"

    page_id: uuid.UUID = Field(foreign_key="status_pages.id", primary_key=True, ondelete="CASCADE")
    monitor_id: uuid.UUID = Field(
        foreign_key="monitors.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    position: int = 0
