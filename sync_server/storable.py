"""Refuse, before any handler runs, text that PostgreSQL cannot store (NUL, lone surrogates).

One check for every route's JSON body, query and path: a 422 naming the field, and nothing
written, instead of a database error in the middle of a unit of work.
"""

from __future__ import annotations

import json

from starlette.requests import HTTPConnection, Request

from shared.text import NUL_MESSAGE, field_name, is_storable, may_hold_unstorable, unstorable_field
from sync_server.errors import Invalid


async def reject_unstorable_text(conn: HTTPConnection) -> None:
    """Raise Invalid (422) naming the first query parameter, path parameter or JSON body field
    whose text holds a NUL character or a lone surrogate."""
    for name, value in conn.query_params.multi_items():
        if not (is_storable(name) and is_storable(value)):
            raise Invalid(f"{name}: {NUL_MESSAGE}")
    for name, value in conn.path_params.items():
        if isinstance(value, str) and not is_storable(value):
            raise Invalid(f"{name}: {NUL_MESSAGE}")
    if isinstance(conn, Request) and conn.method not in ("GET", "HEAD"):
        raw = await conn.body()  # FastAPI has read it already: this is its cached copy
        if may_hold_unstorable(raw):
            _check_body(raw)


def _check_body(raw: bytes) -> None:
    try:
        decoded = json.loads(raw)
    except (ValueError, RecursionError):
        return  # not JSON that could be stored at all: the route's own parsing says why
    path = unstorable_field(decoded)
    if path is not None:
        raise Invalid(f"{field_name(path)}: {NUL_MESSAGE}")
