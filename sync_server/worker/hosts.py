"""A cap on checks in flight to one host, whoever's monitors they are.

Many tenants may point monitors at one site; without a cap a worker would open hundreds of
connections to it at once, which looks like an attack from our addresses and gets them
blocked. A check waits for its host's slot before its clock starts, so the wait shows as
start lateness, never as the site's response time or a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """Return the host a URL names, as the cap counts it (lower case, no trailing dot)."""
    return (urlsplit(url).hostname or "").rstrip(".").lower()


class HostSlots:
    """At most per_host checks to one host at once; a host's entry lives while it is used."""

    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.per_host = per_host
        self._hosts: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the URL's host's slots for the duration of the block."""
        host = host_of(url)
        entry = self._hosts.get(host)
        if entry is None:
            entry = self._hosts[host] = (asyncio.Semaphore(self.per_host), [0])
        semaphore, users = entry
        users[0] += 1
        try:
            async with semaphore:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._hosts[host]

    def __len__(self) -> int:
        """How many hosts have checks in flight or waiting."""
        return len(self._hosts)
