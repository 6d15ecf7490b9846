"""The server's one error family, turned into one JSON shape by one handler."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}


class UpwatchError(Exception):
    """An error a client should see: status code, a stable code and a message.

    keep_changes: the unit of work commits before the error is answered (a revocation
    made while refusing a request must stick).
    """

    status_code = 400
    code = "bad_request"
    keep_changes = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthenticated(UpwatchError):
    """Missing, invalid, expired or revoked credentials."""

    status_code = 401
    code = "not_authenticated"


class SessionRevoked(NotAuthenticated):
    """A reused refresh token: the session was revoked, and that must be committed."""

    keep_changes = True


class Forbidden(UpwatchError):
    """Signed in, but this is refused (e.g. a wrong current password)."""

    status_code = 403
    code = "forbidden"


class NotFound(UpwatchError):
    """Missing, or someone else's: the two are never told apart."""

    status_code = 404
    code = "not_found"


class PlanLimit(UpwatchError):
    """The account's plan does not allow this."""

    status_code = 403
    code = "plan_limit"


class Invalid(UpwatchError):
    """Well-formed, but the content cannot be used (e.g. ids in a body that are not yours)."""

    status_code = 422
    code = "invalid"


class Conflict(UpwatchError):
    """The request clashes with existing data."""

    status_code = 409
    code = "conflict"


class BadRequest(UpwatchError):
    """A request that cannot be read as sent (a webhook whose signature does not verify)."""

    status_code = 400
    code = "bad_request"


class Unavailable(UpwatchError):
    """A part of the service that is not set up, or a provider that cannot be reached."""

    status_code = 503
    code = "unavailable"


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a message for people."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The one shape of every 4xx and 5xx answer."""

    error: ErrorDetail


_MEANINGS = {
    400: "The body is not valid JSON (or a webhook's signature does not verify)",
    401: "Sign in first: no token, or it expired or was revoked",
    403: "Refused: wrong password, a cross-site cookie write or the plan's limit",
    404: "No such thing, or it is someone else's",
    409: "Clashes with existing data",
    422: "The request's content is invalid",
    429: "Too many requests: see Retry-After",
    503: "Unavailable: billing not configured, a provider unreachable, or busy (Retry-After)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route may give (all in the one shape)."""
    return {code: {"model": ErrorBody, "description": _MEANINGS[code]} for code in codes}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (FastAPI keeps one route per method)."""
    return methods_at(request.app, request.url.path)


def methods_at(app: Starlette, path: str) -> list[str]:
    """Return every method some route of app serves at path, sorted ([] for no route)."""
    methods: set[str] = set()
    for context in iter_route_contexts(app.routes):
        route = context.route
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.fullmatch(path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _unavailable(exc: Exception) -> bool:
    """A pool that stayed full, or a database that cannot be reached (not a bug of ours)."""
    return (
        isinstance(exc, PoolTimeout)
        or bool(getattr(exc, "connection_invalidated", False))
        or (isinstance(exc, OperationalError))
    )


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """Return the JSON body every error uses."""
    return {"error": {"code": code, "message": message}}


def unexpected_response(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an error no handler took: 503 with Retry-After when the database is busy
    or away, else 500 with the request id (and the error logged with it)."""
    request_id = getattr(request.state, "request_id", "-")
    if isinstance(exc, PoolTimeout | DBAPIError) and _unavailable(exc):
        log.warning("database busy or away: %s", exc, extra={"request_id": request_id})
        message = "the service is busy or its database is away; retry in a few seconds"
        return JSONResponse(
            error_body("unavailable", message),
            503,
            headers={"Retry-After": "5", "X-Request-ID": request_id},
        )
    log.error("unhandled error", exc_info=exc, extra={"request_id": request_id})
    message = f"something went wrong on our side; reference {request_id}"
    return JSONResponse(error_body("internal", message), 500, headers={"X-Request-ID": request_id})


class UnexpectedErrorMiddleware:
    """Pure ASGI: answers an error no handler took with unexpected_response, and keeps the
    connection usable. Starlette's own last-resort handler answers and then raises the error
    again to the server, which then drops the keep-alive connection without a
    `Connection: close`: the client's next request on it would meet a reset."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:  # half an answer is out: only closing the connection can end it
                raise
            await unexpected_response(Request(scope), exc)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error (ours, validation, routing) to the one JSON error shape; errors no
    handler takes are answered by UnexpectedErrorMiddleware (see create_app)."""

    async def upwatch_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, UpwatchError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(error_body(exc.code, exc.message), exc.status_code, headers=headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for item in exc.errors():
            where = ".".join(str(p) for p in item["loc"] if p != "body") or "body"
            parts.append(f"{where}: {item['msg']}")
        return JSONResponse(error_body("invalid", "; ".join(parts)), 422)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "error")
        message = str(exc.detail) if exc.status_code != 404 else "no such path"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
            message = f"use {headers['Allow']} here"
        return JSONResponse(error_body(code, message), exc.status_code, headers=headers)

    app.add_exception_handler(UpwatchError, upwatch_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
