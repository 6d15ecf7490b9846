"""Bodies of the monitor endpoints: the shared MonitorSpec with the hosted side's rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from shared.monitor import HOSTED_FORBIDDEN_HEADERS, MonitorSpec
from shared.sync import ResultStatus


def _name_optional(schema: dict[str, Any]) -> None:
    required = schema.get("required", [])
    if "name" in required:
        required.remove("name")


def _iso_time(value: Any) -> Any:
    """Accept an ISO 8601 time only (not a bare number); a time without zone is UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("use an ISO 8601 time, like 2026-11-26T12:00:00Z") from None
    else:
        raise ValueError("use an ISO 8601 time, like 2026-11-26T12:00:00Z")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]


class MonitorIn(MonitorSpec):
    """A monitor sent by a client: the desktop's validation, plus no Host or proxy headers.

    cloud: checked 24/7 by the cloud workers too (paid plans, within their limits).
    """

    cloud: bool = False

    # the name may be left out: the URL's host is used (MonitorSpec fills it in)
    model_config = ConfigDict(json_schema_extra=_name_optional)

    @field_validator("headers")
    @classmethod
    def _hosted_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name.lower() in HOSTED_FORBIDDEN_HEADERS:
                raise ValueError(f"header {name} cannot be set on a hosted monitor")
        return value


class MonitorPublic(MonitorSpec):
    """A monitor as the API returns it."""

    cloud: bool
    seq: int


class CheckPublic(BaseModel):
    """One check result."""

    id: uuid.UUID
    status: ResultStatus
    status_code: int | None
    response_time_ms: int | None
    error: str | None
    checked_at: datetime
    source: Literal["local", "cloud"]


class CheckPage(BaseModel):
    """A page of checks, newest first; pass next_before to get the next page."""

    items: list[CheckPublic]
    next_before: datetime | None


def spec_fields(data: Any) -> dict[str, Any]:
    """Return the MonitorSpec fields of a row or model."""
    return {name: getattr(data, name) for name in MonitorSpec.model_fields}
