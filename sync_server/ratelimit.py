"""Rate limits: per client IP and per signed-in user (`limits`; memory, or Redis via REDIS_URL).

The client IP is the connection's peer unless that peer is a configured trusted proxy; then
it is the rightmost X-Forwarded-For address that is not a trusted proxy (E3, E4). The user
key comes from a verified access token only, so a forged token cannot get its own bucket (E8).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable

from limits import parse, storage, strategies
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync_server.auth.cookies import access_token_of
from sync_server.auth.tokens import read_access_token
from sync_server.config import ServerSettings
from sync_server.errors import NotAuthenticated, error_body


def client_ip(request: Request, trusted: frozenset[str]) -> str:
    """Return the address limits are keyed on (IPv6 clients by their /64, E5)."""
    peer = request.client.host if request.client else "unknown"
    if peer in trusted:
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if hop not in trusted:
                peer = hop
                break
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class RateLimiter:
    """Moving-window limits shared by every request of one app (or many, with Redis)."""

    def __init__(self, settings: ServerSettings) -> None:
        backend = (
            storage.storage_from_string(settings.redis_url)
            if settings.redis_url
            else storage.MemoryStorage()
        )
        self._limiter = strategies.MovingWindowRateLimiter(backend)
        self._per_ip = parse(settings.rate_limit_ip)
        self._per_user = parse(settings.rate_limit_user)
        self._settings = settings
        self._trusted = frozenset(settings.trusted_proxies)

    def _user_key(self, request: Request) -> str | None:
        found = access_token_of(request)
        if found is None:
            return None
        try:
            claims = read_access_token(
                found[0], secret=self._settings.jwt_secret, issuer=self._settings.jwt_issuer
            )
        except NotAuthenticated:
            return None
        return str(claims.user_id)

    def check(self, request: Request) -> Response | None:
        """Count the request; return a 429 response when a limit is exceeded."""
        checks = [(self._per_ip, f"ip:{client_ip(request, self._trusted)}")]
        user = self._user_key(request)
        if user is not None:
            checks.append((self._per_user, f"user:{user}"))
        for item, key in checks:
            if not self._limiter.hit(item, key):
                stats = self._limiter.get_window_stats(item, key)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                return JSONResponse(
                    error_body("rate_limited", f"too many requests; retry in {retry} s"),
                    429,
                    headers={
                        "Retry-After": str(retry),
                        "X-RateLimit-Limit": str(item.amount),
                        "X-RateLimit-Remaining": "0",
                    },
                )
        return None


def rate_limit_middleware(
    limiter: RateLimiter,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Return an HTTP middleware that applies limiter to every request but /healthz."""

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path != "/healthz":
            refused = limiter.check(request)
            if refused is not None:
                return refused
        return await call_next(request)

    return middleware
