"""Tags: the names (and colours) that group monitors, such as "prod", "shop" or "db".

A tag is a plain mapping {"name": ..., "color": "#rrggbb"} inside a monitor's definition, so
every layer that stores or sends a monitor keeps its tags as it keeps its headers: as JSON.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict

from shared.text import storable_text

MAX_TAGS = 20
MAX_TAG_LENGTH = 32
_COLOUR = re.compile(r"#[0-9a-f]{6}")
# Calm colours that read on a light and a dark background alike; none is the red, amber or
# green of a status, so a tag never looks like one.
PALETTE: tuple[str, ...] = (
    "#2563eb", "#7c3aed", "#0891b2", "#db2777", "#4f46e5",
    "#0d9488", "#9333ea", "#475569", "#c026d3", "#0369a1",
)  # fmt: skip


def _tag_name(value: str) -> str:
    storable_text(value)
    if "," in value:
        raise ValueError(f"tag {value!r} contains a comma, which separates tags")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError(f"tag {value!r} contains a control character (a tab, a line break…)")
    return value


def _colour(value: str) -> str:
    value = value.strip().lower()
    if not _COLOUR.fullmatch(value):
        raise ValueError(f"tag colour {value!r} must look like #1a2b3c")
    return value


class Tag(TypedDict):
    """One tag of a monitor."""

    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH),
        AfterValidator(_tag_name),
    ]
    color: Annotated[str, AfterValidator(_colour)]


def default_colour(name: str) -> str:
    """Return the palette colour a tag of this name gets until someone picks another."""
    return PALETTE[zlib.crc32(name.strip().casefold().encode()) % len(PALETTE)]


def tag_key(name: str) -> str:
    """Return the form two tag names are compared in ("Prod" and "prod " are one tag)."""
    return name.strip().casefold()


def tag_inputs(value: Any) -> Any:
    """Return value with bare names as tags of their default colour and a name that comes
    twice (in any case) kept once, the first time; anything else is left for validation."""
    if not isinstance(value, list | tuple):
        return value
    tags: list[Any] = []
    seen: set[str] = set()
    for item in value:
        if isinstance(item, str):
            item = {"name": item, "color": default_colour(item)}
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and "color" not in item:
            item = {**item, "color": default_colour(item["name"])}
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str):
            if tag_key(name) in seen:
                continue
            seen.add(tag_key(name))
        tags.append(item)
    return tags


def parse_tag_names(text: str) -> list[str]:
    """Return the names in "prod, shop ,db" (empty parts dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def tag_names(tags: Iterable[Tag]) -> list[str]:
    """Return the tags' names in their order."""
    return [tag["name"] for tag in tags]


def has_tag(tags: Iterable[Tag], name: str) -> bool:
    """True when one of tags is called name (in any case)."""
    key = tag_key(name)
    return any(tag_key(tag["name"]) == key for tag in tags)


# A monitor's tags as every layer validates them: bare names take their default colour.
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), BeforeValidator(tag_inputs)]
_TAGS: TypeAdapter[list[Tag]] = TypeAdapter(Tags)


def check_tags(value: object) -> list[Tag]:
    """Return value as the tags a monitor may carry; raise ValueError saying what is wrong."""
    try:
        return _TAGS.validate_python(value)
    except ValidationError as exc:
        reasons = [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
        raise ValueError("tags: " + "; ".join(reasons)) from None
