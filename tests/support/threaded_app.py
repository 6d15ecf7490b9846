"""Run an aiohttp application on its own event loop in a background daemon thread.

The thread owns the loop, so the server can be used from sync tests and from async tests
running on any other loop alike. Subclasses only build the `web.Application`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, ClassVar, Self

from aiohttp import web

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def find_free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on `host` that was free a moment ago (for servers that need a number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # A client that refuses our certificate (the point of the TLS tests) or drops the
    # connection mid-handshake is expected here, not an error worth logging.
    exception = context.get("exception")
    if isinstance(exception, ConnectionError | ssl.SSLError) and str(
        context.get("message", "")
    ).startswith("Error on transport creation"):
        return
    loop.default_exception_handler(context)


class Startable(ABC):
    """A test server a `with` block starts on entering and stops on leaving."""

    @abstractmethod
    def start(self) -> Self:
        """Start serving; return self once it accepts connections."""

    @abstractmethod
    def stop(self) -> None:
        """Stop serving and free what start() took."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ThreadedAiohttpServer(Startable):
    """An aiohttp server on 127.0.0.1 (free port) whose loop runs in a daemon thread."""

    host: ClassVar[str] = LOOPBACK
    scheme: ClassVar[str] = "http"

    def __init__(self, *, shutdown_timeout: float = 0.2) -> None:
        self._shutdown_timeout = shutdown_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @abstractmethod
    def build_app(self) -> web.Application:
        """Build the application; called on the server's own loop at start()."""

    def server_ssl_context(self) -> ssl.SSLContext | None:
        """Return the server-side TLS context, or None to serve plain HTTP."""
        return None

    @property
    def running(self) -> bool:
        """Whether the server is started and accepting connections."""
        return self._port is not None

    @property
    def port(self) -> int:
        """The bound TCP port (only while running)."""
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """The URL of the server root without a trailing slash, e.g. http://127.0.0.1:PORT."""
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str = "") -> str:
        """Return the absolute URL of `path` (leading slash optional) on this server."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def start(self) -> Self:
        """Start the loop thread and the server; returns self once it is accepting connections."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=self._run_loop, args=(loop,), name=f"{type(self).__name__}-loop", daemon=True
        )
        self._loop, self._thread = loop, thread
        thread.start()
        try:
            future = asyncio.run_coroutine_threadsafe(self._serve(), loop)
            self._port = future.result(timeout=START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server, cancel in-flight handlers (even hanging ones) and end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._port = None
        try:
            if thread.is_alive():
                future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
                future.result(timeout=STOP_TIMEOUT)
        finally:
            if thread.is_alive():
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout=STOP_TIMEOUT)
            if not thread.is_alive():
                loop.close()
            self._loop = self._thread = self._runner = None

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exception_handler)
        loop.run_forever()

    async def _serve(self) -> int:
        runner = web.AppRunner(
            self.build_app(),
            handle_signals=False,
            shutdown_timeout=self._shutdown_timeout,
            access_log=None,
            # A client that gives up (timeout, reset) cancels its handler instead of
            # leaving it sleeping until stop().
            handler_cancellation=True,
        )
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.host, 0, ssl_context=self.server_ssl_context())
        await site.start()
        port: int = runner.addresses[0][1]
        return port

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.get_running_loop().shutdown_asyncgens()
