"""`TargetServer`: a real local HTTP(S) server that plays "the monitored site".

Endpoints (every method is accepted on every endpoint):

- ``/status/{code}``       answers ``code`` with body ``status {code}``
- ``/slow/{ms}``           sleeps ``ms`` milliseconds, then 200 ``slow``
- ``/hang``                never answers (stop() still returns promptly)
- ``/reset``               aborts the TCP connection with an RST, no response at all
- ``/redirect/{n}``        302 to ``/redirect/{n-1}``; ``/redirect/0`` is 200 ``arrived``
- ``/redirect-to?url=U``   302 (or ``&status=301|303|307|308``) to ``U``
- ``/body?text=T``         200 with body ``T`` (``&content_type=...`` optional)
- ``/echo``                200 JSON ``{method, path, query, headers, body}`` of the request
- ``/switch/{name}``       answers whatever ``set_switch(name, ...)`` said (default 200 ``ok``)
- ``/trickle``             sends one byte every ``every_ms`` (default 1000) up to ``bytes``
                           (default 120): of the body after prompt headers, or with
                           ``&part=head`` of the status line and headers themselves
- ``/bulk?size=N``         200 streaming N bytes: ``first ``, then ``x`` filler, then `` last``
- ``/gzip-bomb?size=N``    the same N bytes gzip-compressed (a few KiB on the wire),
                           ``Content-Encoding: gzip``

Every request is recorded (``requests``, ``count(prefix)``) before it is handled.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from .certs import CertificateFiles, make_self_signed_certificate
from .threaded_app import ThreadedAiohttpServer

SwitchAction = Literal["respond", "reset", "hang"]
HANG_SECONDS = 3600.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BULK_FIRST, BULK_LAST, BULK_FILLER = b"first ", b" last", b"x"
BULK_CHUNK = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server saw, recorded before it was handled."""

    method: str
    path: str
    query_string: str
    headers: CIMultiDictProxy[str]
    time: float  # time.time() on arrival
    monotonic: float  # time.monotonic() on arrival, for measuring intervals


@dataclass(frozen=True)
class SwitchState:
    """What a ``/switch/{name}`` endpoint answers: a response, a reset or a hang."""

    status: int = 200
    body: str = "ok"
    delay_ms: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    action: SwitchAction = "respond"


def plain_response(
    status: int, body: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Build a text response, leaving the body out where HTTP forbids one (1xx, 204, 304)."""
    if status < 200 or status in (204, 304):
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, text=body, headers=headers)


def bulk_chunks(size: int) -> list[bytes]:
    """Split the ``/bulk`` body of `size` bytes into chunks (the filler chunk is shared)."""
    filler = size - len(BULK_FIRST) - len(BULK_LAST)
    if filler < 0:
        raise ValueError(f"a bulk body has at least {len(BULK_FIRST) + len(BULK_LAST)} bytes")
    whole, rest = divmod(filler, BULK_CHUNK)
    block = BULK_FILLER * BULK_CHUNK
    return [BULK_FIRST, *([block] * whole), BULK_FILLER * rest, BULK_LAST]


@lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """Return the ``/bulk`` body of `size` bytes gzip-compressed (about a thousandth of it)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits=31)
    parts = [compressor.compress(chunk) for chunk in bulk_chunks(size)]
    return b"".join([*parts, compressor.flush()])


def reset_connection(request: web.Request) -> None:
    """Abort the request's TCP connection so the client sees an RST instead of a response."""
    transport = request.transport
    if transport is None:
        return
    raw = transport.get_extra_info("socket")
    if raw is not None:
        # Linger on with a zero timeout: close() sends RST rather than FIN.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class TargetServer(ThreadedAiohttpServer):
    """A real HTTP server on 127.0.0.1 with programmable endpoints, recording every request."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self.peak_in_flight = 0  # most requests being answered at once since the last clear
        self._switches: dict[str, SwitchState] = {}

    # -- recorded requests ------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def count(self, path_prefix: str = "/") -> int:
        """Count the recorded requests whose path starts with `path_prefix`."""
        prefix = "/" + path_prefix.lstrip("/")
        with self._lock:
            return sum(1 for request in self._requests if request.path.startswith(prefix))

    def clear_requests(self) -> None:
        """Forget every recorded request (and the peak of requests in flight at once)."""
        with self._lock:
            self._requests.clear()
            self.peak_in_flight = self._in_flight

    # -- switches ---------------------------------------------------------------------

    def set_switch(
        self,
        name: str,
        *,
        status: int = 200,
        body: str = "ok",
        delay_ms: int = 0,
        headers: Mapping[str, str] | None = None,
        action: SwitchAction = "respond",
    ) -> None:
        """Make ``/switch/{name}`` answer `status`/`body` after `delay_ms` (or reset / hang)."""
        state = SwitchState(status, body, delay_ms, dict(headers or {}), action)
        with self._lock:
            self._switches[name] = state

    def switch(self, name: str) -> SwitchState:
        """Return what ``/switch/{name}`` currently answers."""
        with self._lock:
            return self._switches.get(name, SwitchState())

    def clear_switch(self, name: str) -> None:
        """Put ``/switch/{name}`` back to its default 200 ``ok``."""
        with self._lock:
            self._switches.pop(name, None)

    def switch_url(self, name: str) -> str:
        """Return the absolute URL of ``/switch/{name}``."""
        return self.url(f"switch/{name}")

    # -- the application --------------------------------------------------------------

    def build_app(self) -> web.Application:
        """Build the aiohttp application with the recording middleware and all endpoints."""
        app = web.Application(middlewares=[self._record])
        routes: list[tuple[str, Handler]] = [
            (r"/status/{code:\d+}", self._status),
            (r"/slow/{ms:\d+}", self._slow),
            ("/hang", self._hang),
            ("/reset", self._reset),
            (r"/redirect/{n:\d+}", self._redirect),
            ("/redirect-to", self._redirect_to),
            ("/body", self._body),
            ("/echo", self._echo),
            ("/switch/{name}", self._switch),
            ("/trickle", self._trickle),
            ("/bulk", self._bulk),
            ("/gzip-bomb", self._gzip_bomb),
        ]
        for path, handler in routes:
            app.router.add_route("*", path, handler)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            time=time.time(),
            monotonic=time.monotonic(),
        )
        with self._lock:
            self._requests.append(recorded)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return await handler(request)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _status(self, request: web.Request) -> web.StreamResponse:
        code = int(request.match_info["code"])
        if not 200 <= code <= 999:
            return plain_response(400, f"cannot answer with status {code}")
        return plain_response(code, f"status {code}")

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(int(request.match_info["ms"]) / 1000)
        return plain_response(200, "slow")

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(HANG_SECONDS)
        return plain_response(200, "woke up")

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        reset_connection(request)
        # Never sent: the transport is gone (aiohttp logs the failed write at debug level).
        return plain_response(200, "unreachable")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        remaining = int(request.match_info["n"])
        if remaining == 0:
            return plain_response(200, "arrived")
        return plain_response(302, "redirecting", {"Location": f"/redirect/{remaining - 1}"})

    async def _redirect_to(self, request: web.Request) -> web.StreamResponse:
        location = request.query.get("url")
        status = int(request.query.get("status", "302"))
        if location is None or status not in REDIRECT_STATUSES:
            return plain_response(400, "need ?url=... and a redirect status")
        return plain_response(status, "redirecting", {"Location": location})

    async def _body(self, request: web.Request) -> web.StreamResponse:
        content_type = request.query.get("content_type", "text/plain")
        return web.Response(text=request.query.get("text", ""), content_type=content_type)

    async def _echo(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        return web.json_response(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body.decode("utf-8", errors="replace"),
            }
        )

    async def _switch(self, request: web.Request) -> web.StreamResponse:
        state = self.switch(request.match_info["name"])
        if state.delay_ms:
            await asyncio.sleep(state.delay_ms / 1000)
        if state.action == "reset":
            reset_connection(request)
            return plain_response(200, "unreachable")
        if state.action == "hang":
            await asyncio.sleep(HANG_SECONDS)
        return plain_response(state.status, state.body, state.headers)

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        every = int(request.query.get("every_ms", "1000")) / 1000
        count = int(request.query.get("bytes", "120"))
        if request.query.get("part") == "head":
            # Below aiohttp's response machinery: the status line itself arrives slowly.
            transport = request.transport
            head = b"HTTP/1.1 200 OK\r\nX-Trickle: " + b"." * count
            for byte in range(len(head)):
                if transport is None or transport.is_closing():
                    break
                transport.write(head[byte : byte + 1])
                await asyncio.sleep(every)
            reset_connection(request)  # never a complete response
            return plain_response(200, "unreachable")
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        for _ in range(count):
            await response.write(b".")
            await asyncio.sleep(every)
        await response.write_eof()
        return response

    async def _bulk(self, request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.content_length = size
        await response.prepare(request)
        try:
            for chunk in bulk_chunks(size):
                await response.write(chunk)  # waits for the client to read: memory stays flat
        except ConnectionResetError:  # a client that stops reading early is the point
            return response
        await response.write_eof()
        return response

    async def _gzip_bomb(self, request: web.Request) -> web.StreamResponse:
        body = gzip_bomb(int(request.query["size"]))
        headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
        return web.Response(body=body, headers=headers)


class TlsTargetServer(TargetServer):
    """`TargetServer` over HTTPS with a runtime-generated self-signed certificate.

    The certificate names ``localhost``, ``127.0.0.1`` and ``::1``. Trust ``cert_path`` (it is
    its own CA) to make verification pass — or, for ``expired=True``, to make it fail with
    "certificate has expired" rather than with "self-signed certificate".
    """

    scheme = "https"

    def __init__(
        self, *, expired: bool = False, valid_for: dt.timedelta = dt.timedelta(days=30)
    ) -> None:
        super().__init__()
        self._expired = expired
        self._valid_for = valid_for
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self.certificate: CertificateFiles = self._generate()

    def _generate(self) -> CertificateFiles:
        self._directory = tempfile.TemporaryDirectory(prefix="upwatch-tls-")
        return make_self_signed_certificate(
            Path(self._directory.name), expired=self._expired, valid_for=self._valid_for
        )

    def start(self) -> Self:
        """Start serving HTTPS (a restart after stop() generates a new certificate)."""
        if self._directory is None:
            self.certificate = self._generate()
        return super().start()

    def stop(self) -> None:
        """Stop the server and delete the certificate files."""
        super().stop()
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    @property
    def cert_path(self) -> Path:
        """PEM file of the server certificate; usable as a CA file (cafile=, SSL_CERT_FILE)."""
        return self.certificate.cert_path

    @property
    def ca_path(self) -> Path:
        """Alias of `cert_path`: the self-signed certificate is its own CA."""
        return self.certificate.cert_path

    @property
    def not_valid_after(self) -> dt.datetime:
        """When the served certificate expires (UTC)."""
        return self.certificate.not_valid_after

    def server_ssl_context(self) -> ssl.SSLContext:
        """Return the server-side context presenting the generated certificate."""
        return self.certificate.server_context()

    def client_ssl_context(self) -> ssl.SSLContext:
        """Return a verifying client context that trusts this server's certificate."""
        return self.certificate.client_context()
