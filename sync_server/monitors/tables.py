"""Monitors (with sync fields) and check results."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, text
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now


class Monitor(ServerModel, table=True):
    """A monitor as the server keeps it: the shared spec's fields plus ownership and sync."""

    __tablename__ = "monitors"
    __table_args__ = (
        Index("monitors_user_active", "user_id", "is_active"),
        # what cloud workers claim: due, active, cloud-checked monitors (issue 5)
        Index(
            "monitors_due",
            "next_check_at",
            postgresql_where=text("cloud AND is_active AND NOT deleted"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
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
    # checked 24/7 by cloud workers (paid plans); they claim it with a lease
    cloud: bool = False
    next_check_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # the cloud's MonitorState (shared.state_codec JSON), so a worker restart does not re-alert
    state: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    seq: int = Field(default=0, sa_type=BigInteger)
    deleted: bool = False
    # the device whose change is stored ("api" for the web API): ties in last-writer-wins
    changed_by: str = Field(default="api", max_length=64)


class Check(ServerModel, table=True):
    """One check result (from a desktop or a cloud worker); the client's UUID is the key."""

    __tablename__ = "checks"
    __table_args__ = (Index("checks_monitor_time", "monitor_id", "checked_at"),)

    id: uuid.UUID = Field(primary_key=True)
    monitor_id: uuid.UUID = Field(foreign_key="monitors.id", ondelete="CASCADE")
    status: str
    status_code: int | None = None
    response_time_ms: int | None = None
    error: str | None = None
    checked_at: datetime = Field(sa_column=utc_column())
    source: str = "local"
    # the device that pushed a local result (None: a cloud result, or pushed before this was
    # recorded): pulls hand a device's results to the account's other devices
    device_id: str | None = Field(default=None, max_length=64)


# The writing transaction's id, filled in by PostgreSQL: pulls hand out cloud results by it
# and stop below the oldest transaction still running, so a batch that commits late is not
# skipped (a plain sequence would be). Not mapped: the ORM and the workers leave it to the
# default.
Check.__table__.append_column(  # type: ignore[attr-defined]
    Column(
        "xact",
        BigInteger,
        nullable=False,
        server_default=text("(pg_current_xact_id()::text::bigint)"),
    )
)
Index(
    "checks_cloud_xact",
    Check.__table__.c.monitor_id,  # type: ignore[attr-defined]
    Check.__table__.c.xact,  # type: ignore[attr-defined]
    postgresql_where=text("source = 'cloud'"),
)
Index(
    "checks_shared_xact",
    Check.__table__.c.monitor_id,  # type: ignore[attr-defined]
    Check.__table__.c.xact,  # type: ignore[attr-defined]
    postgresql_where=text("source = 'cloud' OR device_id IS NOT NULL"),
)
