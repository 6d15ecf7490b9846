"""Errors to Sentry when SENTRY_DSN is set: no request bodies, cookies or auth headers."""

from __future__ import annotations

from typing import Any

from sync_server.ops.logs import scrub

_DROP_HEADERS = frozenset({"authorization", "cookie", "stripe-signature", "x-api-key"})


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROP_HEADERS}
    request.pop("cookies", None)
    request.pop("data", None)
    if "query_string" in request:
        request["query_string"] = scrub(str(request["query_string"]))
    return event


def init_sentry(dsn: str | None, environment: str) -> bool:
    """Start reporting errors to dsn; return whether Sentry is on."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        # no user identity, request bodies or local variables leave the server
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        traces_sample_rate=0.0,
        before_send=_before_send,  # type: ignore[arg-type]
    )
    return True
