"""MonitorState to and from JSON, kept by the desktop and the server: no re-alert on restart."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from shared.state import MonitorState
from shared.status import Status

_STATUS_FIELDS = {"status", "confirmed", "last_result"}
_NAMES = tuple(f.name for f in fields(MonitorState))
_KNOWN = frozenset(_NAMES)
_DEFAULT = MonitorState()
_TIME_FIELDS = {f.name for f in fields(MonitorState) if "datetime" in str(f.type)}


def dump_state(state: MonitorState) -> str:
    """Return state as compact JSON, leaving out fields at their default (load_state fills them)."""
    data: dict[str, Any] = {}
    for name in _NAMES:
        value = getattr(state, name)
        if value == getattr(_DEFAULT, name):
            continue
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data, separators=(",", ":"))


def load_state(text: str | None) -> MonitorState:
    """Return the state in text, or a fresh UNKNOWN state when there is none or it is unreadable."""
    if not text:
        return MonitorState()
    try:
        data = json.loads(text)
        clean: dict[str, Any] = {}
        for name, value in data.items():
            if name not in _KNOWN:
                continue
            if name in _STATUS_FIELDS:
                clean[name] = Status(value)
            elif name in _TIME_FIELDS and value is not None:
                clean[name] = datetime.fromisoformat(value)
            else:
                clean[name] = value
        return MonitorState(**clean)
    except (ValueError, TypeError):
        return MonitorState()
