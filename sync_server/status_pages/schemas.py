"""Status page bodies: what an owner sends and what the owner's API returns."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.status_page import SharedPage, check_slug

MAX_MONITORS_PER_PAGE = 100

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class StatusPageIn(BaseModel):
    """A status page as an owner sends it: the monitors in the order shown."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=60, examples=["acme-status"])
    title: Title
    description: Description = ""
    published: bool = True
    monitor_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_MONITORS_PER_PAGE)] = []

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        return check_slug(value)

    @field_validator("monitor_ids")
    @classmethod
    def _unique(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("monitor_ids: a monitor is listed twice")
        return value


class StatusPagePublic(SharedPage):
    """A status page as its owner's API returns it, with its public address."""
