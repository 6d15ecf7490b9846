"""AlertSender: claims due outbox rows (SKIP LOCKED plus a lease) and delivers them.

Each row is one flip for one channel, so each channel gets each flip once. A failed attempt
is retried after 5 s, 30 s, 2 min, 10 min and 30 min, then the row is dead; a permanent
failure (the hook is gone, the address is internal) kills the row at once and disables the
channel with the reason, which the API shows. Every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from sync_server.alerts.deliver import Delivered, Deliverer
from sync_server.channels.sealing import ConfigSealer, ConfigUnreadable

log = logging.getLogger(__name__)
BACKOFF_S = (5, 30, 120, 600, 1800)
LEASE_S = 120

CLAIM = """
UPDATE alert_outbox AS o
SET lease_owner = %(me)s, lease_until = now() + make_interval(secs => %(lease)s)
FROM (
    SELECT id FROM alert_outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
    ORDER BY next_attempt_at
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
) AS due, alert_channels AS c
WHERE o.id = due.id AND c.id = o.channel_id
RETURNING o.id, o.attempts, o.payload, o.channel_id, c.type, c.config,
          c.deleted OR c.disabled_reason IS NOT NULL AS channel_off
"""
RECORD = """
INSERT INTO alert_deliveries (id, outbox_id, attempted_at, ok, error)
VALUES (%s, %s, now(), %s, %s)
"""
SENT = """
UPDATE alert_outbox SET status = 'sent', attempts = attempts + 1, delivered_at = now(),
       lease_owner = NULL, lease_until = NULL, last_error = NULL
WHERE id = %s AND lease_owner = %s
"""
RETRY = """
UPDATE alert_outbox SET status = %s, attempts = attempts + 1, last_error = %s,
       next_attempt_at = now() + make_interval(secs => %s), lease_owner = NULL, lease_until = NULL
WHERE id = %s AND lease_owner = %s
"""
DISABLE = "UPDATE alert_channels SET disabled_reason = %s WHERE id = %s"


class AlertSender:
    """Delivers queued alerts until stopped."""

    def __init__(
        self,
        conninfo: str,
        deliverer: Deliverer,
        sealer: ConfigSealer,
        *,
        name: str,
        batch: int = 50,
    ) -> None:
        self.conninfo = conninfo
        self.deliverer = deliverer
        self.sealer = sealer
        self.name = name
        self.batch = batch
        self.sent = 0
        self.failed = 0

    async def run(self, stop: asyncio.Event, poll_s: float = 0.5) -> None:
        """Claim and deliver every poll_s until stop is set."""
        conn = await AsyncConnection.connect(self.conninfo, autocommit=True)
        try:
            while not stop.is_set():
                try:
                    await self.deliver_due(conn)
                except psycopg.OperationalError as exc:
                    log.warning("alert delivery paused: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_s)
        finally:
            await conn.close()
            await self.deliverer.close()

    async def deliver_due(self, conn: AsyncConnection[Any]) -> int:
        """Deliver what is due now; return how many attempts were made."""
        async with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(CLAIM, {"me": self.name, "lease": LEASE_S, "batch": self.batch})
            rows = await cursor.fetchall()
        outcomes = await asyncio.gather(*(self._attempt(row) for row in rows))
        async with conn.transaction(), conn.cursor() as cursor:
            for row, delivered in zip(rows, outcomes, strict=True):
                await self._record(cursor, row, delivered)
        return len(rows)

    async def _attempt(self, row: dict[str, Any]) -> Delivered:
        if row["channel_off"]:
            return Delivered(False, "the channel was removed or disabled", permanent=True)
        try:
            config = self.sealer.open(row["config"])
        except ConfigUnreadable as exc:  # a data key dropped too early: retried, then dead
            return Delivered(False, exc.message)
        try:
            return await self.deliverer.send(
                row["type"], config, row["payload"], event_id=str(row["id"])
            )
        except Exception as exc:  # a bug in one channel must not stop the others
            log.exception("alert delivery crashed")
            return Delivered(False, f"internal error: {type(exc).__name__}")

    async def _record(self, cursor: Any, row: dict[str, Any], delivered: Delivered) -> None:
        error = delivered.error[:500] if delivered.error else None
        await cursor.execute(RECORD, (uuid.uuid4(), row["id"], delivered.ok, error))
        if delivered.ok:
            self.sent += 1
            await cursor.execute(SENT, (row["id"], self.name))
            return
        self.failed += 1
        attempt = row["attempts"]  # attempts made before this one
        dead = delivered.permanent or attempt >= len(BACKOFF_S)
        delay = 0 if dead else BACKOFF_S[attempt]
        await cursor.execute(
            RETRY, ("dead" if dead else "pending", error, delay, row["id"], self.name)
        )
        if delivered.permanent and not row["channel_off"]:
            await cursor.execute(DISABLE, (error, row["channel_id"]))
        log.warning("alert %s not delivered (attempt %d): %s", row["id"], attempt + 1, error)
