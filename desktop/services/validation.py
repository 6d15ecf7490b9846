"""Turn pydantic validation errors into one message a user can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from desktop.errors import InvalidInput
from shared.monitor import MonitorSpec


def describe(error: ValidationError) -> str:
    """Return "field: reason; field: reason" for a ValidationError."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "monitor"
        reason = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{field}: {reason}")
    return "; ".join(parts)


def make_spec(data: dict[str, Any]) -> MonitorSpec:
    """Return a validated MonitorSpec; raise InvalidInput with every problem found."""
    try:
        return MonitorSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None
