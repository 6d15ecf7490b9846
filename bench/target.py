"""The monitored site for the engine benchmark: answers every request with 200 "ok".

Run it as its own process (so its CPU is not counted against the engine): it listens on
127.0.0.1, prints the port on stdout, serves until SIGTERM/SIGINT or until stdin closes,
then prints "answered N".
A raw asyncio protocol (on uvloop when installed) keeps it far cheaper than the client it
serves. Each answer closes the connection, as the probe opens a fresh one per check.

    python bench/target.py [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from typing import cast

from shared.loop import fast_loop_factory

RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: 2\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"ok"
)
MAX_HEAD = 64 * 1024


class OkProtocol(asyncio.Protocol):
    """Reads one request head, answers 200 "ok" and closes the connection."""

    served = 0

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._head = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport to answer on."""
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check here.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Answer once the request head (the blank line) has arrived."""
        transport = self._transport
        if transport is None:
            return
        self._head += data
        if b"\r\n\r\n" in self._head:
            transport.write(RESPONSE)
            transport.close()
            self._transport = None
            OkProtocol.served += 1
        elif len(self._head) > MAX_HEAD:
            transport.close()
            self._transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport."""
        self._transport = None


def _wait_for_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Block until stdin reaches EOF, then set stop (runs in a daemon thread).

    It reads the raw file descriptor: a daemon thread blocked inside sys.stdin's buffered
    reader would hold its lock and abort the interpreter at shutdown.
    """
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
    with contextlib.suppress(RuntimeError):  # the loop may already be closed
        loop.call_soon_threadsafe(stop.set)


async def serve(port: int) -> int:
    """Serve until a stop signal or EOF on stdin; return how many requests were answered."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        OkProtocol, "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{bound}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The parent holds our stdin: when it dies without signalling, stdin closes and we stop.
    threading.Thread(target=_wait_for_eof, args=(loop, stop), daemon=True).start()
    async with server:
        await stop.wait()
    return OkProtocol.served


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, serve, then print "answered N" (requests answered) on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free port)")
    args = parser.parse_args(argv)
    with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
        served = runner.run(serve(args.port))
    with contextlib.suppress(OSError):  # the parent may have stopped listening
        sys.stdout.write(f"answered {served}\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
