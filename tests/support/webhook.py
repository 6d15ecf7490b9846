"""`WebhookReceiver`: a real local HTTP server that records what alerting code sends it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from .polling import Recorder
from .threaded_app import ThreadedAiohttpServer


@dataclass(frozen=True)
class WebhookRequest:
    """One request the receiver got, with the status it answered."""

    method: str
    path: str
    query_string: str
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any  # the parsed body if it was valid JSON, else None
    status: int  # what the receiver answered (to tell failed attempts from the success)
    time: float  # time.time() on arrival

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


def parse_json(body: bytes) -> Any:
    """Return the JSON value in `body`, or None when it is empty or not JSON."""
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class WebhookReceiver(ThreadedAiohttpServer, Recorder[WebhookRequest]):
    """Records every request at any path (any method); can fail on purpose to test retries."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._received: list[WebhookRequest] = []
        self._failures_left = 0
        self._failure_status = 500
        self._failure_body = ""
        self._delay_ms = 0

    def apprise_url(self, path: str = "hook") -> str:
        """Return the Apprise URL that posts JSON here: ``json://127.0.0.1:PORT/path``."""
        return f"json://{self.host}:{self.port}/{path.lstrip('/')}"

    @property
    def received(self) -> list[WebhookRequest]:
        """A snapshot of every request received so far (failed attempts included), oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def succeeded(self) -> list[WebhookRequest]:
        """The received requests that were answered with a 2xx status."""
        return [request for request in self.received if 200 <= request.status < 300]

    def count(self, path_prefix: str = "/") -> int:
        """Count the received requests whose path starts with `path_prefix`."""
        prefix = "/" + path_prefix.lstrip("/")
        return sum(1 for request in self.received if request.path.startswith(prefix))

    def clear(self) -> None:
        """Forget the received requests and go back to answering 200 at once."""
        with self._lock:
            self._received.clear()
            self._failures_left = 0
            self._delay_ms = 0

    def fail_with(
        self, status: int = 500, times: int = 1, body: str = "failing on purpose"
    ) -> None:
        """Answer the next `times` requests with `status`, then succeed again (200)."""
        with self._lock:
            self._failure_status = status
            self._failures_left = times
            self._failure_body = body

    def set_delay(self, delay_ms: int) -> None:
        """Wait `delay_ms` before answering each request (0 to answer at once)."""
        with self._lock:
            self._delay_ms = delay_ms

    def build_app(self) -> web.Application:
        """Build the catch-all recording application."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    def _recorded(self) -> list[WebhookRequest]:
        return self.received

    def _describe(self, count: int) -> str:
        got = self.received
        seen = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in got) or "nothing"
        return f"expected {count} webhook request(s), got {len(got)}: {seen}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            delay_ms = self._delay_ms
            if self._failures_left > 0:
                self._failures_left -= 1
                status, text = self._failure_status, self._failure_body
            else:
                status, text = 200, "ok"
            self._received.append(
                WebhookRequest(
                    method=request.method,
                    path=request.path,
                    query_string=request.query_string,
                    headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                    body=body,
                    json=parse_json(body),
                    status=status,
                    time=time.time(),
                )
            )
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        return web.Response(status=status, text=text)
