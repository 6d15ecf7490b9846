"""Rate limits: per client IP and per signed-in user (in this process, or in Redis via REDIS_URL).

The client IP is the connection's peer unless that peer is a configured trusted proxy; then
it is the rightmost X-Forwarded-For address that is not a trusted proxy. The user
key comes from a verified access token only, so a forged token cannot get its own bucket.

Failed sign-ins are limited per address, per (normalized email, address) and per email from
every address. Each attempt takes its counts before it runs (so parallel guesses cannot pass
the limit) and gives them back unless it answers 401. The email-wide count is enforced only
on addresses that have failed for that email already: guessing from many addresses is slowed,
yet the owner signing in from an address that has not failed is never refused by it.

When the shared counter store (Redis) cannot be reached, sign-in, registration and refresh
fail closed with 503, and every other request is let through and logged: an outage of
Redis must not take the whole API down with it, but must not open the door to guessing.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.auth.cookies import access_token_of
from sync_server.auth.tokens import read_access_token
from sync_server.config import ServerSettings
from sync_server.counters import LocalCounters, retry_after
from sync_server.errors import NotAuthenticated, error_body

log = logging.getLogger(__name__)
FAIL_CLOSED = ("/api/auth/login", "/api/auth/register", "/api/auth/refresh")
LOGIN = "/api/auth/login"
REDIS_TIMEOUT_S = 0.5
FAILED = 401  # the one answer that counts as a failed sign-in
Counted = tuple[tuple[RateLimitItem, str], ...]


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided: a refusal, or the failure counts held until the answer."""

    refused: Response | None = None
    held: Counted = ()


def client_ip(request: Request, trusted: frozenset[str]) -> str:
    """Return the address limits are keyed on (IPv6 clients by their /64)."""
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


def normalized_email(email: str) -> str:
    """One key for every spelling of a mailbox: case, dots and +tags do not count."""
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.split('+', 1)[0].replace('.', '')}@{domain}"


class RateLimiter:
    """Sliding-window limits shared by every request of one app (or many, with Redis)."""

    def __init__(self, settings: ServerSettings) -> None:
        self._shared: SlidingWindowCounterRateLimiter | None = None
        self._local = LocalCounters()
        if settings.redis_url:
            backend = storage_from_string(
                f"async+{settings.redis_url}",
                implementation="redispy",
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
            self._shared = SlidingWindowCounterRateLimiter(backend)
        self._per_ip = parse(settings.rate_limit_ip)
        self._per_user = parse(settings.rate_limit_user)
        self._login_ip = parse(settings.rate_limit_login_ip)
        self._login_email = parse(settings.rate_limit_login_email)
        self._login_email_total = parse(settings.rate_limit_login_email_total)
        self._settings = settings
        self._trusted = frozenset(settings.trusted_proxies)

    def _user_key(self, request: Request) -> str | None:
        found = access_token_of(request)
        if found is None:
            return None
        try:
            claims = read_access_token(
                found[0], keys=self._settings.jwt_keys, issuer=self._settings.jwt_issuer
            )
        except NotAuthenticated:
            return None
        request.state.verified_token = (found[0], claims)  # get_current need not decode again
        return str(claims.user_id)

    def _keys(self, request: Request, ip: str) -> list[tuple[RateLimitItem, str]]:
        keys = [(self._per_ip, f"ip:{ip}")]
        user = self._user_key(request)
        if user is not None:
            keys.append((self._per_user, f"user:{user}"))
        return keys

    async def check(self, request: Request) -> Verdict:
        """Count the request; refuse it with a 429 (or 503), or hold its sign-in counts."""
        held: list[tuple[RateLimitItem, str]] = []
        try:
            ip = client_ip(request, self._trusted)
            for item, key in self._keys(request, ip):
                wait = await self._hit(item, key)
                if wait is not None:
                    return Verdict(_too_many(item, wait))
            if request.url.path == LOGIN and request.method == "POST":
                refused = await self._hold_sign_in(request, ip, held)
                if refused is not None:
                    await self.release(tuple(held))  # a refused attempt is not a failure
                    return Verdict(refused)
        except StorageError as exc:
            log.error("rate limit store unreachable: %s", exc.storage_error)
            if request.url.path in FAIL_CLOSED:
                return Verdict(
                    JSONResponse(
                        error_body(
                            "unavailable", "sign-in is unavailable for a moment; retry soon"
                        ),
                        503,
                        headers={"Retry-After": "30"},
                    )
                )
            return Verdict()
        return Verdict(held=tuple(held))

    async def _hold_sign_in(
        self, request: Request, ip: str, held: list[tuple[RateLimitItem, str]]
    ) -> Response | None:
        """Take this attempt's failure counts into held; a 429 when one limit is reached."""
        counts = [(self._login_ip, f"login-ip:{ip}", True)]
        email = await _email_in(request)
        if email is not None:
            mailbox = normalized_email(email)
            pair = f"login-email:{mailbox}:{ip}"
            failed_here = await self._has_hits(self._login_email, pair)
            counts.append((self._login_email, pair, True))
            counts.append((self._login_email_total, f"login-mailbox:{mailbox}", failed_here))
        for item, key, enforced in counts:
            wait = await self._hit(item, key)
            if wait is None:
                held.append((item, key))
            elif enforced:
                return _too_many(item, wait)
        return None

    async def release(self, held: Counted) -> None:
        """Give back counts taken by check (the sign-in did not fail); logs a store outage."""
        try:
            for item, key in held:
                if self._shared is None:
                    self._local.refund(key, item.get_expiry(), time.time())
                else:  # a negative cost takes one back in the same sliding-window counters
                    await self._shared.hit(item, key, cost=-1)
        except StorageError as exc:
            log.error("rate limit store unreachable: %s", exc.storage_error)

    async def _has_hits(self, item: RateLimitItem, key: str) -> bool:
        """Whether key has at least one hit in its sliding window (counting nothing)."""
        if self._shared is None:
            return self._local.count(key, item.get_expiry(), time.time()) >= 1
        # room for a whole limit's worth of hits means the window is empty
        return not await self._shared.test(item, key, cost=item.amount)

    async def _hit(self, item: RateLimitItem, key: str) -> float | None:
        """Count one hit; None when allowed, else the seconds to wait."""
        if self._shared is None:
            return self._local.hit(key, item.amount, item.get_expiry(), time.time())
        if await self._shared.hit(item, key):
            return None
        stats = await self._shared.get_window_stats(item, key)
        return stats.reset_time - time.time()


def _too_many(item: RateLimitItem, wait: float) -> Response:
    retry = retry_after(wait)
    return JSONResponse(
        error_body("rate_limited", f"too many requests; retry in {retry} s"),
        429,
        headers={
            "Retry-After": str(retry),
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": "0",
        },
    )


async def _email_in(request: Request) -> str | None:
    """The email a sign-in request names, if its body says one (Starlette caches the body)."""
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read: no email
        return None
    email = body.get("email") if isinstance(body, dict) else None
    return email if isinstance(email, str) else None


class RateLimitMiddleware:
    """Pure ASGI: applies the limiter to every HTTP request but /healthz and /metrics."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in ("/healthz", "/metrics"):
            request = Request(scope, receive)
            verdict = await self.limiter.check(request)
            if verdict.refused is not None:
                await verdict.refused(scope, receive, send)
                return
            receive = _replay(request)  # the sign-in limit may have read the body
            if verdict.held:
                send = self._settling(verdict.held, send)
        await self.app(scope, receive, send)

    def _settling(self, held: Counted, send: Send) -> Send:
        """send, which first gives back held counts unless the answer is a failed sign-in."""

        async def settle(message: Message) -> None:
            # before the answer leaves, so the client's next attempt sees the settled counts
            if message["type"] == "http.response.start" and message["status"] != FAILED:
                await self.limiter.release(held)
            await send(message)

        return settle


def _replay(request: Request) -> Receive:
    """The body the limiter read (if it did), then whatever the client sends next."""
    body: bytes | None = getattr(request, "_body", None)
    if body is None:
        return request.receive
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await request.receive()

    return receive
