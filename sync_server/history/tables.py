"""Incidents and hourly / daily rollups, per monitor and per source (local or cloud).

Rollups hold the same figures as the desktop's (shared.uptime.Rollup), so uptime and
response-time percentiles come from the same maths on both sides.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column


class Incident(ServerModel, table=True):
    """An outage of one monitor as one source saw it: from the first failing check to recovery."""

    __tablename__ = "incidents"
    __table_args__ = (Index("incidents_monitor_started", "monitor_id", "started_at"),)

    # keyed by monitor and id: the id a desktop gives names an incident of its own monitor
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    monitor_id: uuid.UUID = Field(foreign_key="monitors.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(default="cloud", max_length=20)
    status: str = Field(default="down", max_length=10)
    started_at: datetime = Field(sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    first_error: str | None = Field(default=None, max_length=500)


class RollupFields(ServerModel):
    """Counts per outcome and response-time figures of one monitor over one period."""

    monitor_id: uuid.UUID = Field(foreign_key="monitors.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(primary_key=True, max_length=20)
    # sa_type, not sa_column: each table class needs its own Column objects
    bucket: datetime = Field(primary_key=True, sa_type=DateTime(timezone=True))
    up: int = 0
    degraded: int = 0
    down: int = 0
    unknown: int = 0
    rt_count: int = 0
    rt_sum: int = Field(default=0, sa_type=BigInteger)
    rt_min: int | None = None
    rt_max: int | None = None
    histogram: list[int] = Field(default_factory=list, sa_type=ARRAY(Integer))


class HourlyRollup(RollupFields, table=True):
    """One hour (bucket = the hour's start, UTC)."""

    __tablename__ = "rollups_hourly"


class DailyRollup(RollupFields, table=True):
    """One UTC day (bucket = midnight UTC)."""

    __tablename__ = "rollups_daily"
