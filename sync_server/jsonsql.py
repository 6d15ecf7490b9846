"""JSON made by PostgreSQL for the hottest read-only answers (bench/api.py).

Turning a hundred rows into Python objects, models and then JSON text was half of a list
request; json_agg(json_build_object(...)) does it in the database, in C, and the API sends
the text on as it is. Only for answers whose shape is exactly a response model's: a test
checks each against the model (tests/sync_server/test_jsonsql.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

# ISO 8601 in UTC with microseconds, as pydantic reads it back
_ISO = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


def iso(column: str) -> str:
    """Return SQL that renders a timestamptz column as ISO 8601 text in UTC."""
    return f"to_char({column} AT TIME ZONE 'UTC', '{_ISO}')"


def json_object(columns: Sequence[str], times: Collection[str] = ()) -> str:
    """Return SQL for one row as a JSON object keyed by column names (our own constants,
    never user input); times are timestamptz columns."""
    pairs = [f"'{name}', {iso(name) if name in times else name}" for name in columns]
    return "json_build_object(" + ", ".join(pairs) + ")"


def json_array(columns: Sequence[str], order: str, times: Collection[str] = ()) -> str:
    """Return SQL aggregating the rows as a JSON array ('[]' when there are none)."""
    return f"coalesce(json_agg({json_object(columns, times)} ORDER BY {order}), '[]')::text"
