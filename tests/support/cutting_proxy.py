"""A TCP proxy that cuts chosen connections: the lost-connection tests' unreliable network.

Each connection is relayed to the upstream server. While `cut_replies` > 0, a connection
whose request reached the server is closed before any of the answer comes back (the worst
case for a client: the server acted, the client cannot know), and the count goes down.
While `cut_uploads` > 0, a connection is reset in the middle of sending its request.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from tests.support.threaded_app import LOOPBACK


class CuttingProxy:
    """Relays 127.0.0.1:port to upstream; see the module docstring."""

    def __init__(self, upstream_port: int, *, cut_replies: int = 0, after_bytes: int = 0) -> None:
        self.upstream_port = upstream_port
        self.cut_replies = cut_replies
        self.after_bytes = after_bytes  # cut only requests at least this big (the pushes)
        # while > 0: a connection is reset once this many request bytes went through (the
        # server gets half a body), and the count goes down
        self.cut_uploads = 0
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The proxy's base address."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Self:
        """Start relaying."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=10)
        return self

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._relay, LOOPBACK, 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def stop(self) -> None:
        """Stop relaying."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        sent = 0
        cut = asyncio.Event()

        async def upstream() -> None:
            nonlocal sent
            while data := await reader.read(65536):
                if self.cut_uploads > 0 and sent + len(data) >= self.after_bytes:
                    self.cut_uploads -= 1
                    self.cuts += 1
                    up_writer.write(data[: max(0, self.after_bytes - sent)])
                    await up_writer.drain()
                    return  # both sides are reset below, mid-request
                up_writer.write(data)
                await up_writer.drain()
                sent += len(data)
            up_writer.close()

        async def downstream() -> None:
            while data := await up_reader.read(65536):
                if self.cut_replies > 0 and sent >= self.after_bytes:
                    self.cut_replies -= 1
                    self.cuts += 1
                    cut.set()
                    return
                writer.write(data)
                await writer.drain()

        tasks = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        writer.transport.abort()
        up_writer.transport.abort()
