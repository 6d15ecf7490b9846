"""SQLModel mappings of the entity tables the migrations create (the migrations own the DDL).

Only tables whose rows have an identity that services edit (monitors, channels, their
links, the sync outbox) are mapped; the tables of facts (checks, rollups, incidents,
deliveries, sync_meta, write_log, settings, sync_devices) are read and written by the SQL of
the storage module that owns each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UtcText(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as ISO 8601 text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        """Store as UTC ISO text; naive datetimes are refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read ISO text back as an aware datetime."""
        if value is None:
            return None
        return datetime.fromisoformat(str(value))


class MonitorRow(SQLModel, table=True):
    """A monitor as stored, plus the runtime state the writer keeps up to date."""

    __tablename__ = "monitors"

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    kind: str = "http"
    name: str
    url: str
    method: str = "GET"
    interval: int
    timeout: float
    headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    body: str | None = None
    expected_status: str = "200-299"
    keyword: str | None = None
    keyword_absent: bool = False
    degraded_after_ms: int | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    confirmations: int = 2
    reminder_minutes: int | None = None
    is_active: bool = True
    tags: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UtcText)
    updated_at: datetime = Field(sa_type=UtcText)
    cloud: bool = False  # checked 24/7 by Upwatch Cloud too (set on the server, synced here)
    status: str = "unknown"
    state: str | None = None
    last_checked_at: int | None = None
    last_response_ms: int | None = None
    last_error: str | None = None
    cloud_status: str | None = None  # the newest cloud result's status (pulled by sync)
    cloud_checked_at: int | None = None  # and when it was checked (Unix ms)


class ChannelRow(SQLModel, table=True):
    """An alert channel; target is a redacted description, the URL itself is in the keyring."""

    __tablename__ = "alert_channels"

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    name: str = Field(unique=True)
    kind: str
    target: str
    is_default: bool = True
    created_at: datetime = Field(sa_type=UtcText)
    updated_at: datetime = Field(sa_type=UtcText)
    failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = Field(default=None, sa_type=UtcText)
    last_sent_at: datetime | None = Field(default=None, sa_type=UtcText)
    cloud: str | None = None  # None (not in sync), "synced", "remote" or "local": see schema v5
    cloud_monitors: str | None = None  # JSON list of the cloud's links not yet made here


class MonitorChannelLink(SQLModel, table=True):
    """Which channels alert for which monitor."""

    __tablename__ = "monitor_channels"

    monitor_pk: int = Field(primary_key=True, foreign_key="monitors.pk")
    channel_pk: int = Field(primary_key=True, foreign_key="alert_channels.pk")


class OutboxRow(SQLModel, table=True):
    """A local change waiting to be pushed to Upwatch Cloud."""

    __tablename__ = "sync_outbox"

    kind: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    updated_at: datetime = Field(sa_type=UtcText)
    deleted: bool = False
    error: str | None = None
