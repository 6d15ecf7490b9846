"""Refuse socket connections to anything but loopback: tests stay offline.

The guard patches ``socket.socket.connect`` / ``connect_ex``, which covers blocking sockets,
``socket.create_connection``, ``ssl`` sockets and asyncio's selector event loops (aiohttp,
httpx/anyio, smtplib, Apprise's requests). It cannot see connections made outside Python's
socket class (uvloop, Qt's own network stack, subprocesses).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

import pytest

LOCAL_HOSTNAMES = frozenset({"", "localhost"})


class ExternalNetworkError(RuntimeError):
    """Raised when a test opens a connection to a non-loopback address.

    Deliberately not an OSError, so code treating network errors as "site down" does not
    mistake it for an ordinary failure; the guard also fails the test at teardown in case
    the error was swallowed.
    """


def is_local_address(family: int, address: Any) -> bool:
    """Whether connecting a socket of `family` to `address` stays on this machine."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True  # AF_UNIX and other non-IP families never leave the host
    if not isinstance(address, tuple) or not address:
        return True  # malformed: let the real connect() raise its own error
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")
    if not isinstance(host, str):
        return True
    host = host.split("%", 1)[0]  # IPv6 scope id, e.g. fe80::1%eth0
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        # connect() resolves names itself; only names that mean this host are allowed.
        name = host.lower().rstrip(".")
        return name in LOCAL_HOSTNAMES or name.endswith(".localhost")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


class NetworkGuard:
    """Refuses, and remembers, socket connections that would leave loopback."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocked: list[tuple[int, Any]] = []

    @property
    def blocked(self) -> list[tuple[int, Any]]:
        """The (family, address) pairs refused so far."""
        with self._lock:
            return list(self._blocked)

    def pop_blocked(self) -> list[tuple[int, Any]]:
        """Return the refused attempts and forget them (for tests that provoke one on purpose)."""
        with self._lock:
            blocked, self._blocked = self._blocked, []
            return blocked

    def check(self, sock: socket.socket, address: Any) -> None:
        """Raise ExternalNetworkError (and remember it) if `address` is not local."""
        if is_local_address(sock.family, address):
            return
        with self._lock:
            self._blocked.append((int(sock.family), address))
        # The socket is useless now; close it so callers that only clean up after OSError
        # (socket.create_connection) do not leak it.
        sock.close()
        raise ExternalNetworkError(
            f"test tried to connect to {address!r}: only loopback and AF_UNIX are allowed"
        )

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Patch socket.socket.connect/connect_ex through `monkeypatch` (undone at teardown)."""
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex

        def connect(sock: socket.socket, address: Any) -> None:
            self.check(sock, address)
            original_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            self.check(sock, address)
            return original_connect_ex(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
