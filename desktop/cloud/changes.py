"""ChangeListener: the server's change socket, so a desktop pulls as soon as something changes.

Polling (SyncLoop's period) stays as the fallback; this only makes sync prompt. The
listener reconnects with backoff and jitter, and fetches a fresh access token when the
server closes the socket because the old one expired.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

import aiohttp

from desktop.errors import CloudError

log = logging.getLogger(__name__)

TokenSource = Callable[[], Awaitable[str | None]]


def socket_url(server: str) -> str:
    """Return the change socket's address on server (ws:// or wss://)."""
    base = server.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/api/sync/ws"
    return "ws://" + base.removeprefix("http://") + "/api/sync/ws"


class ChangeListener:
    """Calls on_change for every announcement; run() until cancelled."""

    def __init__(
        self,
        server: str,
        token: TokenSource,
        on_change: Callable[[], None],
        *,
        on_ready: Callable[[], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.url = socket_url(server)
        self._token = token
        self._on_change = on_change
        self._on_ready = on_ready
        self._rng = rng or random.Random()  # jitter, not security
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        """Listen, reconnecting after any failure (1 s doubling to 5 min, with jitter)."""
        failures = 0
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    if await self._listen(http):
                        failures = 0
                        continue  # closed cleanly (token expiry): reconnect at once
                except (aiohttp.ClientError, TimeoutError, ValueError, TypeError) as exc:
                    log.info("change socket: %s", exc)
                except CloudError as exc:
                    log.info("change socket: no token (%s)", exc.message)
                finally:
                    self.connected.clear()
                failures += 1
                ceiling = min(300.0, 2.0 ** min(failures, 9))
                await asyncio.sleep(ceiling / 2 + self._rng.random() * ceiling / 2)

    async def _listen(self, http: aiohttp.ClientSession) -> bool:
        """One connection; True when the server ended it on purpose (reconnect now)."""
        token = await self._token()
        if token is None:
            return False  # not signed in: try again later
        async with http.ws_connect(
            self.url, heartbeat=30.0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0)
        ) as socket:
            await socket.send_json({"token": token})
            hello = await socket.receive_json(timeout=15.0)
            if hello.get("type") != "ready":
                return False
            self.connections += 1
            self.connected.set()
            if self._on_ready is not None:
                self._on_ready()
            self._on_change()  # anything missed while we were away
            async for message in socket:
                if message.type == aiohttp.WSMsgType.TEXT and '"changed"' in message.data:
                    self._on_change()
            return socket.close_code == 4401 and self.connections > 0
