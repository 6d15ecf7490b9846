"""Turn pydantic validation errors into messages a user can act on: one line, or one per field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from desktop.errors import InvalidInput
from shared.monitor import MonitorSpec


def _reason(item: Any) -> str:
    return str(item["msg"]).removeprefix("Value error, ")


def describe(error: ValidationError) -> str:
    """Return "field: reason; field: reason" for a ValidationError."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "monitor"
        parts.append(f"{field}: {_reason(item)}")
    return "; ".join(parts)


def by_field(error: ValidationError) -> dict[str, str]:
    """Return each top-level field's first problem ("monitor" for one of the whole); the
    reasons name the part (a tag, a header) themselves."""
    problems: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        problems.setdefault(str(loc[0]) if loc else "monitor", _reason(item))
    return problems


def make_spec(data: dict[str, Any]) -> MonitorSpec:
    """Return a validated MonitorSpec; raise InvalidInput with every problem found."""
    try:
        return MonitorSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


def spec_or_problems(data: dict[str, Any]) -> tuple[MonitorSpec | None, dict[str, str]]:
    """Return the validated MonitorSpec and no problems, or None and each field's problem."""
    try:
        return MonitorSpec.model_validate(data), {}
    except ValidationError as exc:
        return None, by_field(exc)
