"""Text every store can keep: no NUL character and no lone surrogate, anywhere in a value.

PostgreSQL refuses U+0000 in text and jsonb, and a lone surrogate (U+D800-U+DFFF not in a
pair) cannot be encoded as UTF-8, so SQLite, PostgreSQL and any file would fail on it. Both
only reach Python through a JSON escape (\\u0000, \\ud800): `may_hold_unstorable` is a cheap
look at raw JSON, and `unstorable_field` walks a decoded value (without recursion, so a
deeply nested one is fine) to name the field that holds one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# the only ways a JSON text can spell NUL or a surrogate; a surrogate pair (an emoji written
# \ud83d\ude00) matches too and is then found to be fine by the walk
_ESCAPE = re.compile(rb"\\u(?:0000|d[89a-f][0-9a-f]{2})", re.IGNORECASE)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "text must not contain a NUL character (U+0000) or a lone surrogate"

FieldPath = tuple[str | int, ...]


def may_hold_unstorable(raw: bytes) -> bool:
    """True when raw JSON spells a NUL or a surrogate somewhere (then decode and walk it)."""
    return b"\\u" in raw and _ESCAPE.search(raw) is not None


def is_storable(text: str) -> bool:
    """True when text holds neither a NUL character nor a lone surrogate."""
    return _UNSTORABLE.search(text) is None


def unstorable_field(value: object) -> FieldPath | None:
    """Return the path (keys and list indexes) of the first text, or object key, in a decoded
    JSON value that is not storable; None when every text is."""
    for path, text in _texts(value):
        if not is_storable(text):
            return path
    return None


def field_name(path: FieldPath) -> str:
    """A path as a client names the field: results.0.error ("body" for the whole value)."""
    return ".".join(str(part) for part in path) or "body"


def _texts(value: object) -> Iterator[tuple[FieldPath, str]]:
    """Every text of a decoded JSON value (object keys too) with its path, depth first."""
    stack: list[tuple[FieldPath, object]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, inner in reversed(list(item.items())):
                key_path = (*path, str(key))
                stack.append((key_path, inner))
                stack.append((key_path, key))  # popped first: a key before its value
        elif isinstance(item, list):
            stack.extend(
                ((*path, index), inner) for index, inner in reversed(list(enumerate(item)))
            )


def storable_text(value: str) -> str:
    """value, or ValueError when it holds a NUL or a lone surrogate (a pydantic validator)."""
    if not is_storable(value):
        raise ValueError(NUL_MESSAGE)
    return value
