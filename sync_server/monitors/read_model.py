"""The monitors' fast reads: answers whose JSON PostgreSQL makes, in the response models' shape.

Turning a hundred rows into Python objects, models and then JSON text was half of a list
request (bench/api.py); json_agg(json_build_object(...)) does it in the database, in C, and
the API sends the text on as it is. The keys are the response models' own field names and
their times are rendered as pydantic writes them, so the text is exactly what the models
would have made (tests/sync_server/test_jsonsql.py reads it back, and
tests/sync_server/test_fast_paths_schema.py checks it against the published schema).

Also here: models built from rows we wrote ourselves without validating them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from itertools import chain
from typing import Any, get_args

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    case,
    exists,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlmodel import Session

from shared.monitor import MonitorSpec
from sync_server.monitors.schemas import CheckPage, CheckPublic, MonitorPublic
from sync_server.monitors.tables import Check, Monitor

_MONITORS: Table = Monitor.__table__  # type: ignore[attr-defined]
_CHECKS: Table = Check.__table__  # type: ignore[attr-defined]
# ISO 8601 in UTC with microseconds, as pydantic reads it back (one parameter each, however
# many times a statement renders a time)
_UTC = literal("UTC", String)
_ISO = literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"', String)

_USER = bindparam("user", type_=Uuid)
_MONITOR = bindparam("monitor", type_=Uuid)
_LIMIT = bindparam("limit", type_=Integer)
_BEFORE = bindparam("before", type_=_CHECKS.c.checked_at.type)
_SINCE = bindparam("since", type_=_CHECKS.c.checked_at.type)


def _is_time(annotation: Any) -> bool:
    return annotation is datetime or datetime in get_args(annotation)


def _iso(column: ColumnElement[Any]) -> ColumnElement[str]:
    """Return the timestamptz column as ISO 8601 text in UTC."""
    return func.to_char(func.timezone(_UTC, column), _ISO, type_=String)


def _json_object(model: type[BaseModel], columns: Any) -> ColumnElement[Any]:
    """Return one row as the JSON object of model: its field names as keys, the same-named
    columns as values, times as pydantic writes them."""
    pairs: list[ColumnElement[Any]] = []
    for name, info in model.model_fields.items():
        column = columns[name]
        pairs += [literal(name, String), _iso(column) if _is_time(info.annotation) else column]
    return func.json_build_object(*pairs, type_=JSON)


def _json_array(row: ColumnElement[Any], *order: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return the rows aggregated as a JSON array in order ('[]' when there are none)."""
    empty = literal("[]", String).cast(JSON)
    return func.coalesce(func.json_agg(aggregate_order_by(row, *order)), empty, type_=JSON)


_MONITOR_LIST = select(
    _json_array(
        _json_object(MonitorPublic, _MONITORS.c), _MONITORS.c.created_at, _MONITORS.c.id
    ).cast(Text)
).where(_MONITORS.c.user_id == _USER, not_(_MONITORS.c.deleted))

# the owner check rides along: one round trip, no ORM object (bench/api.py)
_OWNED = exists().where(
    _MONITORS.c.id == _MONITOR, _MONITORS.c.user_id == _USER, not_(_MONITORS.c.deleted)
)


# one statement per combination of bounds, built once: building one costs as much as the
# rest of the request (bench/api_units.py)
@cache
def _check_page(before: bool, since: bool) -> Select[bool, str]:
    """Return the statement of whether the monitor is the owner's and a CheckPage's JSON,
    bounded by :before and :since when asked for."""
    newest = select(*(_CHECKS.c[name] for name in CheckPublic.model_fields)).where(
        _CHECKS.c.monitor_id == _MONITOR, _OWNED
    )
    if before:
        newest = newest.where(_CHECKS.c.checked_at < _BEFORE)
    if since:
        newest = newest.where(_CHECKS.c.checked_at >= _SINCE)
    page = newest.order_by(_CHECKS.c.checked_at.desc()).limit(_LIMIT).subquery("page")
    items = _json_array(_json_object(CheckPublic, page.c), page.c.checked_at.desc())
    # a full page may have more behind it: the next one starts before its oldest check
    next_before = case((func.count() == _LIMIT, _iso(func.min(page.c.checked_at))))
    values = {"items": items, "next_before": next_before}
    pairs = ((literal(name, String), values[name]) for name in CheckPage.model_fields)
    body = func.json_build_object(*chain.from_iterable(pairs), type_=JSON)
    return select(_OWNED.label("owned"), body.cast(Text)).select_from(page)


def monitor_list_json(session: Session, user_id: uuid.UUID) -> str:
    """Return the owner's monitors (not deleted), oldest first, as the JSON of
    list[MonitorPublic]."""
    return str(session.execute(_MONITOR_LIST, {"user": user_id}).scalar_one())


def check_page_json(
    session: Session,
    user_id: uuid.UUID,
    monitor_id: uuid.UUID,
    *,
    limit: int,
    before: datetime | None,
    since: datetime | None,
) -> str | None:
    """Return up to limit of the monitor's checks, newest first, older than before and not
    older than since, as the JSON of a CheckPage; None unless the monitor is the owner's."""
    params = {"monitor": monitor_id, "user": user_id, "limit": limit, "before": before,
              "since": since}  # fmt: skip
    query = _check_page(before is not None, since is not None)
    owned, body = session.execute(query, params).one()
    return str(body) if owned else None


def stored_spec(fields: Mapping[str, Any]) -> MonitorSpec:
    """Return the MonitorSpec of a stored monitor's fields (a row or a mapping of its columns)."""
    # we wrote the row from a validated MonitorSpec: validating it again on every read
    # would cost a claim or a pull more than the rest of its work
    return MonitorSpec.model_construct(**fields)


def stored_public(fields: Mapping[str, Any]) -> MonitorPublic:
    """Return a stored (or just stored) monitor's fields as the MonitorPublic we answer with."""
    # validated on the way in (MonitorIn); running every validator again on the way out
    # doubles the cost of a create or an update for nothing
    return MonitorPublic.model_construct(**fields)
