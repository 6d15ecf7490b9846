"""The alert outbox (one row per flip and channel) and every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint, text
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now


class AlertOutbox(ServerModel, table=True):
    """One flip to deliver through one channel; the unique key makes it happen once."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        UniqueConstraint("flip_id", "channel_id", name="alert_outbox_once"),
        Index("alert_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    flip_id: uuid.UUID
    monitor_id: uuid.UUID = Field(foreign_key="monitors.id", ondelete="CASCADE", index=True)
    channel_id: uuid.UUID = Field(foreign_key="alert_channels.id", ondelete="CASCADE")
    event: str = Field(max_length=20)  # down, degraded, up, reminder
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=10)  # pending, sent, dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AlertDelivery(ServerModel, table=True):
    """One attempt to deliver an outbox row, successful or not."""

    __tablename__ = "alert_deliveries"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    outbox_id: uuid.UUID = Field(foreign_key="alert_outbox.id", ondelete="CASCADE", index=True)
    attempted_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    ok: bool
    error: str | None = Field(default=None, max_length=500)
