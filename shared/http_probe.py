"""The aiohttp implementation of the probe: a fresh connection per check, one TLS context."""

from __future__ import annotations

import errno
import ssl
import time

import aiohttp

from shared.netguard import ForbiddenAddress, NetGuard
from shared.probe import ProbeFailure, ProbeRequest, ProbeResponse
from shared.result import FailureKind

USER_AGENT = "Upwatch/0.1 (+uptime monitor)"


def default_ssl_context() -> ssl.SSLContext:
    """Return a verifying TLS context from the system store (certifi when the store is empty)."""
    context = ssl.create_default_context()
    if context.cert_store_stats().get("x509_ca", 0) == 0:
        try:
            import certifi
        except ImportError:
            return context
        context.load_verify_locations(certifi.where())
    return context


def _tls_message(exc: aiohttp.ClientConnectorCertificateError) -> str:
    cert_error = exc.certificate_error
    reason = str(getattr(cert_error, "verify_message", "") or cert_error)
    lowered = reason.lower()
    if "expired" in lowered:
        return "TLS certificate expired"
    if "self-signed" in lowered or "self signed" in lowered:
        return "TLS certificate is self-signed"
    if "mismatch" in lowered:
        return "TLS certificate does not match the host name"
    if "local issuer" in lowered:
        return "TLS certificate from an unknown issuer"
    if "not yet valid" in lowered:
        return "TLS certificate not yet valid"
    return f"TLS certificate rejected: {reason}"


def _connect_failure(exc: aiohttp.ClientConnectorError) -> ProbeFailure:
    code = exc.os_error.errno if exc.os_error is not None else None
    if code == errno.ECONNREFUSED:
        return ProbeFailure(FailureKind.REFUSED, "connection refused")
    if code == errno.ENETUNREACH:
        return ProbeFailure(FailureKind.UNREACHABLE, "network unreachable")
    if code == errno.EHOSTUNREACH:
        return ProbeFailure(FailureKind.UNREACHABLE, "host unreachable")
    if code == errno.ECONNRESET:
        return ProbeFailure(FailureKind.RESET, "connection reset")
    reason = exc.os_error.strerror if exc.os_error is not None else None
    return ProbeFailure(FailureKind.CONNECT, f"could not connect: {reason or exc}")


def classify(exc: BaseException, request: ProbeRequest) -> ProbeFailure:
    """Return the ProbeFailure that describes an aiohttp or OS exception."""
    failure: ProbeFailure
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, ForbiddenAddress):
        failure = ProbeFailure(FailureKind.BLOCKED, str(exc.os_error.strerror))
    elif isinstance(exc, TimeoutError):
        failure = ProbeFailure(FailureKind.TIMEOUT, f"timeout after {request.timeout:g} s")
    elif isinstance(exc, aiohttp.ClientConnectorDNSError):
        host = exc.host or "host"
        failure = ProbeFailure(FailureKind.DNS, f"DNS lookup failed for {host}")
    elif isinstance(exc, aiohttp.ClientConnectorCertificateError):
        failure = ProbeFailure(FailureKind.TLS, _tls_message(exc))
    elif isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError):
        failure = ProbeFailure(FailureKind.TLS, f"TLS handshake failed: {exc}")
    elif isinstance(exc, aiohttp.ClientConnectorError):
        failure = _connect_failure(exc)
    elif isinstance(exc, aiohttp.TooManyRedirects):
        failure = ProbeFailure(
            FailureKind.REDIRECT, f"too many redirects (more than {request.max_redirects})"
        )
    elif isinstance(exc, aiohttp.RedirectClientError):
        failure = ProbeFailure(FailureKind.REDIRECT, "redirect to a non-HTTP or invalid URL")
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        failure = ProbeFailure(FailureKind.RESET, "connection closed without a response")
    elif isinstance(exc, aiohttp.ClientConnectionResetError | ConnectionResetError):
        failure = ProbeFailure(FailureKind.RESET, "connection reset")
    elif isinstance(exc, aiohttp.ClientPayloadError):
        failure = ProbeFailure(FailureKind.PROTOCOL, "response body broken off")
    elif isinstance(exc, aiohttp.ClientResponseError):
        failure = ProbeFailure(FailureKind.PROTOCOL, f"invalid response: {exc.message}")
    elif isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET:
        failure = ProbeFailure(FailureKind.RESET, "connection reset")
    else:
        failure = ProbeFailure(FailureKind.CONNECT, f"request failed: {exc or type(exc).__name__}")
    return failure


class AiohttpProbe:
    """Probe over one aiohttp session; every check opens its own connection.

    guard: the hosted side's NetGuard; every address is checked before it is connected to.
    """

    def __init__(
        self, *, ssl_context: ssl.SSLContext | None = None, guard: NetGuard | None = None
    ) -> None:
        self._ssl = ssl_context or default_ssl_context()
        self._guard = guard
        self._session: aiohttp.ClientSession | None = None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            guard = self._guard
            connector = aiohttp.TCPConnector(
                force_close=True,  # a check measures a fresh connection, as a visitor sees it
                limit=0,  # the scheduler bounds concurrency
                use_dns_cache=False,  # a DNS outage must show at once
                ssl=self._ssl,
                resolver=guard.resolver() if guard else None,
                socket_factory=guard.socket_factory if guard else None,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def fetch(self, request: ProbeRequest) -> ProbeResponse:
        """Return the answer to request; raise ProbeFailure when there is none."""
        session = self._ensure_session()
        started = time.perf_counter()
        try:
            async with session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body.encode() if request.body is not None else None,
                allow_redirects=request.follow_redirects,
                # aiohttp raises on the Nth redirect itself; we allow N hops
                max_redirects=request.max_redirects + 1,
                timeout=aiohttp.ClientTimeout(total=request.timeout),
                ssl=self._ssl if request.verify_tls else False,
            ) as response:
                text = None
                if request.read_body:
                    text = await _read_text(response, request.body_limit)
                elapsed_ms = (time.perf_counter() - started) * 1000
                return ProbeResponse(status=response.status, elapsed_ms=elapsed_ms, text=text)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise classify(exc, request) from None

    async def close(self) -> None:
        """Close the session and its connector."""
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_text(response: aiohttp.ClientResponse, limit: int) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    raw = b"".join(chunks)[:limit]
    return raw.decode(response.charset or "utf-8", errors="replace")
