"""Status pages as both sides see them: the slug rule and the page an owner gets back."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime

from pydantic import BaseModel

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])\Z")
# words a slug may not be: they read as the service's own pages
RESERVED_SLUGS = frozenset(
    {"admin", "api", "assets", "billing", "docs", "login", "status", "static", "upwatch", "www"}
)


def check_slug(value: str) -> str:
    """Return the slug if it is one (3-60 of a-z, 0-9 and single inner hyphens); raise
    ValueError saying what a slug may be."""
    if not SLUG_PATTERN.fullmatch(value) or "--" in value:
        raise ValueError(
            "slug: 3 to 60 lowercase letters, digits and single hyphens, like acme-status"
        )
    if value in RESERVED_SLUGS:
        raise ValueError(f"slug: {value} is reserved, pick another")
    return value


def suggest_slug(name: str, suffix: str) -> str:
    """Return a slug made of name's letters and digits plus suffix: "Acme API" -> acme-api-3f9c."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    stem = "-".join(words)[:40].strip("-") or "status"
    return f"{stem}-{suffix}"


class SharedPage(BaseModel):
    """An owner's status page: its public address and the monitors on it, in order."""

    id: uuid.UUID
    slug: str
    title: str
    description: str
    published: bool
    monitor_ids: list[uuid.UUID]
    url: str
    seq: int
    updated_at: datetime
