"""Alert channels and their links to monitors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now


class AlertChannel(ServerModel, table=True):
    """Where a user's alerts go; config holds the type's fields (never sent back whole)."""

    __tablename__ = "alert_channels"
    __table_args__ = (Index("alert_channels_user_seq", "user_id", "seq"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    type: str = Field(max_length=20)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    seq: int = Field(default=0, sa_type=BigInteger)
    deleted: bool = False
    changed_by: str = Field(default="api", max_length=64)  # the device of the last change
    # set by a sender after a permanent error (e.g. the webhook is gone); shown to the user
    disabled_reason: str | None = Field(default=None, max_length=300)


class MonitorChannel(ServerModel, table=True):
    """Which channels alert for which monitor (many to many)."""

    __tablename__ = "monitor_alert_channels"

    monitor_id: uuid.UUID = Field(foreign_key="monitors.id", primary_key=True, ondelete="CASCADE")
    channel_id: uuid.UUID = Field(
        foreign_key="alert_channels.id", primary_key=True, ondelete="CASCADE"
    )
