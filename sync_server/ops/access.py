"""The outermost middleware: a request id, one structured log line and metrics per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from sync_server.ops.metrics import Metrics

log = logging.getLogger("upwatch.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

Middleware = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def request_id_of(request: Request) -> str:
    """The caller's X-Request-ID when it is sane, else a new one."""
    offered = request.headers.get("x-request-id", "")
    return offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex


def access_middleware(metrics: Metrics) -> Middleware:
    """Return the middleware that times, logs and counts every request."""

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request_id_of(request)
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500  # unless call_next answers: an unhandled error is answered outside
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.observe(request.method, route, status, elapsed)
            log.info(
                "%s %s %d",
                request.method,
                route,
                status,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": request.client.host if request.client else None,
                },
            )

    return middleware
