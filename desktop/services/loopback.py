"""`LoopbackServer`: a tiny HTTP server on 127.0.0.1 for the self-test (site and receiver)."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self

from aiohttp import web

HOST = "127.0.0.1"


class LoopbackServer:
    """Answers every request with one status and keeps the JSON bodies it was sent.

    Runs on the caller's event loop (`async with`), on a port the OS picks, so the self-test
    needs no free port and no network beyond loopback.
    """

    def __init__(self, *, status: int = 200) -> None:
        self.status = status
        self.received: list[Any] = []  # each request's body parsed as JSON (None when not JSON)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str = "", *, scheme: str = "http") -> str:
        """Return scheme://127.0.0.1:PORT/path for the running server."""
        return f"{scheme}://{HOST}:{self.port}/{path.lstrip('/')}"

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            self.received.append(json.loads(body) if body else None)
        except ValueError:
            self.received.append(None)
        return web.Response(status=self.status, text="upwatch self-test\n")

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        # no access log: the self-test prints its own one line per step
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
