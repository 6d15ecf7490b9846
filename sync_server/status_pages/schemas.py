"""Status page bodies: what an owner sends and what the owner's API returns."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_MONITORS_PER_PAGE = 100
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
# words a slug may not be: they read as the service's own pages
RESERVED_SLUGS = frozenset(
    {"admin", "api", "assets", "billing", "docs", "login", "status", "static", "upwatch", "www"}
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


def check_slug(value: str) -> str:
    """Return the slug if it is one (3-60 of a-z, 0-9 and inner hyphens); raise ValueError."""
    if not SLUG_PATTERN.match(value) or "--" in value:
        raise ValueError(
            "slug: 3 to 60 lowercase letters, digits and single hyphens, like acme-status"
        )
    if value in RESERVED_SLUGS:
        raise ValueError(f"slug: {value} is reserved, pick another")
    return value


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


class StatusPagePublic(BaseModel):
    """A status page as its owner's API returns it, with its public address."""

    id: uuid.UUID
    slug: str
    title: str
    description: str
    published: bool
    monitor_ids: list[uuid.UUID]
    url: str
    seq: int
    updated_at: datetime
