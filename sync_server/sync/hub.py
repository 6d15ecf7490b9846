"""ChangeHub: tells an account's open WebSockets that something changed.

Changes are announced with PostgreSQL NOTIFY (sent on commit, from any API instance or
worker), and every API instance LISTENs on one connection of its own, so a desktop hears
about a change wherever it was made. Only "something changed" goes out; the desktop then
pulls, with its own credentials, what it may see.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "upwatch_changes"
MAX_SOCKETS_PER_USER = 10
_NOTIFY = text("SELECT pg_notify(:channel, :user)")
_LISTEN = sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL))


def announce(session: Session, user_id: uuid.UUID) -> None:
    """Queue a change announcement for user_id; PostgreSQL sends it if the transaction commits."""
    session.execute(_NOTIFY, {"channel": CHANNEL, "user": str(user_id)})


class ChangeHub:
    """One LISTEN connection per API process, fanned out to the subscribed sockets."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[None]]] = {}
        self.listening = asyncio.Event()

    def subscribe(self, user_id: uuid.UUID) -> asyncio.Queue[None] | None:
        """Return a queue that gets an item per change (coalesced), or None: too many sockets."""
        queues = self._subscribers.setdefault(user_id, set())
        if len(queues) >= MAX_SOCKETS_PER_USER:
            return None
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        queues.add(queue)
        return queue

    def unsubscribe(self, user_id: uuid.UUID, queue: asyncio.Queue[None]) -> None:
        """Forget a socket's queue."""
        queues = self._subscribers.get(user_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[user_id]

    def publish(self, user_id: uuid.UUID) -> None:
        """Wake every socket of user_id (one pending wake-up each is enough)."""
        for queue in self._subscribers.get(user_id, ()):
            if queue.empty():
                queue.put_nowait(None)

    async def run(self) -> None:
        """LISTEN until cancelled, reconnecting with backoff when the database goes away."""
        delay = 1.0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(_LISTEN)
                    self.listening.set()
                    delay = 1.0
                    for user_id in list(self._subscribers):  # news may have been missed
                        self.publish(user_id)
                    async for note in conn.notifies():
                        try:
                            self.publish(uuid.UUID(note.payload))
                        except ValueError:
                            log.warning("ignored a change note that is not a user id")
            except psycopg.OperationalError as exc:
                self.listening.clear()
                log.warning("change announcements paused (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
