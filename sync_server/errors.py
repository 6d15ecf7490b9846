"""The server's one error family, turned into one JSON shape by one handler."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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


class Conflict(UpwatchError):
    """The request clashes with existing data."""

    status_code = 409
    code = "conflict"


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """Return the JSON body every error uses."""
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    """Map UpwatchError and validation errors to the one JSON error shape."""

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

    app.add_exception_handler(UpwatchError, upwatch_error)
    app.add_exception_handler(RequestValidationError, invalid)
