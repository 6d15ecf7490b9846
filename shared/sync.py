"""The sync protocol between a desktop and the hosted service.

Entities carry an updated_at and the device that made the change; the newer change wins
(last-writer-wins, ties broken by the device id), and a delete is a change like any other
(a tombstone). Results are pushed with their derived UUIDs, so pushing one twice stores it
once. Pulls go by cursors: the account's change number (seq) for entities, an opaque
string for results (the cloud's, and a device that names itself gets its account's other
devices' local results too, marked with where they were checked).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from shared.monitor import MonitorSpec
from shared.text import storable_text

MAX_PUSH_CHANGES = 500
MAX_PUSH_RESULTS = 5000
MAX_PUSH_INCIDENTS = 1000
MAX_PULL_CHANGES = 500
MAX_PULL_RESULTS = 5000

DEVICE_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=DEVICE_ID_PATTERN)]
# what a device calls itself (its host name by default), shown next to the results it checked
DeviceName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
ResultStatus = Literal["up", "degraded", "down", "unknown"]
# what a pull may hand out, bounded as the desktop can store it (SQLite's INTEGER is 64-bit)
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]


# text from the server, checked before it is stored: no NUL or lone surrogate, bounded
ShortText = Annotated[str, Field(max_length=200), AfterValidator(storable_text)]
LongText = Annotated[str, Field(max_length=10_000), AfterValidator(storable_text)]


def _iso_time(value: Any) -> Any:
    """Accept a time as ISO 8601 text (or a datetime), not a bare number."""
    if isinstance(value, datetime | str):
        return value
    raise ValueError("use an ISO 8601 time with a zone, like 2026-11-26T12:00:00Z")


# checked in pydantic's core (no Python call per item but _iso_time): pushes carry thousands
IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_time)]


def wins(
    incoming_at: datetime, incoming_device: str, stored_at: datetime, stored_device: str
) -> bool:
    """True when a change made at incoming_at by incoming_device beats the stored one.

    Last writer wins by updated_at; on the same instant the greater device id wins, so
    every side picks the same change whatever order it sees them in.
    """
    if incoming_at != stored_at:
        return incoming_at > stored_at
    return incoming_device > stored_device


class MonitorChange(BaseModel):
    """One monitor as a device last saw it: the whole spec, or a tombstone."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    updated_at: IsoTime
    deleted: StrictBool = False
    spec: MonitorSpec | None = None  # None only for a tombstone
    cloud: StrictBool = False

    @model_validator(mode="after")
    def _spec_matches(self) -> MonitorChange:
        if self.spec is None and not self.deleted:
            raise ValueError("a monitor change needs its spec unless it is a delete")
        if self.spec is not None and self.spec.id != self.id:
            raise ValueError("the spec's id differs from the change's id")
        return self


class ChannelChange(BaseModel):
    """One alert channel as a device last saw it, or a tombstone.

    config is the channel's cloud form ({"type": "webhook", "url": ...}; the server checks it
    as it checks its own API's channels). A device that holds no secret for the channel (it
    came from the cloud) sends None: the server keeps the config it has.
    """

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    updated_at: IsoTime
    deleted: StrictBool = False
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    config: dict[str, str] | None = None
    monitor_ids: Annotated[list[uuid.UUID], Field(max_length=1000)] = []

    @model_validator(mode="after")
    def _named(self) -> ChannelChange:
        if self.name is None and not self.deleted:
            raise ValueError("a channel change needs its name unless it is a delete")
        return self


class ResultIn(BaseModel):
    """One local check result as a desktop pushes it."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    monitor_id: uuid.UUID
    status: ResultStatus
    status_code: Annotated[StrictInt, Field(ge=100, le=599)] | None = None
    response_time_ms: Annotated[StrictInt, Field(ge=0, le=3_600_000)] | None = None
    error: Annotated[str, Field(max_length=500)] | None = None
    checked_at: IsoTime


class IncidentIn(BaseModel):
    """An outage a desktop saw (its confirmed DOWN until recovery): public status pages of
    monitors the cloud does not check list these."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    monitor_id: uuid.UUID
    started_at: IsoTime
    ended_at: IsoTime | None = None
    first_error: Annotated[str, Field(max_length=500)] | None = None


class PushRequest(BaseModel):
    """What a device sends: its changes since the last push and its new results."""

    model_config = ConfigDict(extra="forbid")

    device_id: DeviceId
    device_name: DeviceName | None = None  # None: the name given before (or none) stays
    monitors: Annotated[list[MonitorChange], Field(max_length=MAX_PUSH_CHANGES)] = []
    channels: Annotated[list[ChannelChange], Field(max_length=MAX_PUSH_CHANGES)] = []
    results: Annotated[list[ResultIn], Field(max_length=MAX_PUSH_RESULTS)] = []
    incidents: Annotated[list[IncidentIn], Field(max_length=MAX_PUSH_INCIDENTS)] = []


class Applied(BaseModel):
    """What became of one pushed change: applied (with its new seq), or not and why."""

    id: uuid.UUID
    applied: bool
    seq: int | None = None
    reason: str | None = None  # "older": a newer change is stored; else a message for people


class PushResponse(BaseModel):
    """The server's answer to a push."""

    monitors: list[Applied]
    channels: list[Applied] = []
    results_stored: int  # new rows; a result pushed before is not counted again
    results_refused: int  # results of monitors that are not the account's (or were deleted)
    incidents_stored: int = 0  # new or changed; those of monitors not the account's are skipped


class RemoteMonitor(BaseModel):
    """A monitor change as the server hands it out, with its seq and the device that made it."""

    id: uuid.UUID
    seq: Seq
    updated_at: datetime
    device_id: ShortText
    deleted: bool
    cloud: bool
    spec: MonitorSpec | None


class RemoteChannel(BaseModel):
    """An alert channel change as the server hands it out: where it sends, never its secret."""

    id: uuid.UUID
    seq: Seq
    updated_at: datetime
    device_id: ShortText
    deleted: bool
    name: ShortText
    type: ShortText
    target: LongText  # redacted: "Telegram chat 42", "https://hooks.example/…"
    monitor_ids: list[uuid.UUID]
    disabled_reason: LongText | None = None


class ResultOut(BaseModel):
    """One result as a pull returns it: a cloud check, or another device's local check."""

    id: uuid.UUID
    monitor_id: uuid.UUID
    status: ResultStatus
    status_code: int | None
    response_time_ms: int | None
    error: LongText | None
    checked_at: datetime
    device_id: ShortText | None = None  # the device that checked it; None: the cloud did
    origin: ShortText = "cloud"  # "cloud", or that device's name for people


class PullResponse(BaseModel):
    """Changes after the cursor and cloud results after the results cursor.

    more: call again with the new cursors, something was left for the next page.
    """

    monitors: list[RemoteMonitor]
    channels: list[RemoteChannel] = []
    cursor: Seq
    results: list[ResultOut]
    results_cursor: ShortText
    more: bool
