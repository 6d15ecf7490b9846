"""The devices of an account that push results: their names, for "checked on laptop-A"."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now

DEVICE_NAME_MAX = 100  # characters in a device's name


class Device(ServerModel, table=True):
    """A desktop of one account, by the device id it syncs with, and what it calls itself."""

    __tablename__ = "devices"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    device_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=DEVICE_NAME_MAX)
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
