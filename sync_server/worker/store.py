"""Writing a batch of cloud outcomes in one transaction.

Per batch: advance each monitor (next check, state, lease released) only if this worker
still holds its lease; then, for those monitors only, insert the results (idempotent on
their UUIDs), add them to the hourly and daily rollups, open or close incidents, and put
alerting flips in the outbox once per channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from shared.messages import flip_message
from shared.result import CheckResult
from shared.state import Flip, MonitorState
from shared.state_codec import dump_state
from shared.status import Status
from sync_server.history.rollups import UPSERT_DAILY, UPSERT_HOURLY, buckets, rollup_rows
from sync_server.sync.hub import CHANNEL
from sync_server.worker.claims import Claimed

FLIP_NAMESPACE = uuid.UUID("4f7a9c1e-5b8d-4e2a-9c3f-7d1e2b6a8c40")

ADVANCE = """
UPDATE monitors AS m
SET next_check_at = v.next_at, state = v.state, lease_owner = NULL, lease_until = NULL
FROM unnest(%(ids)s::uuid[], %(next)s::timestamptz[], %(states)s::text[]) AS v(id, next_at, state)
WHERE m.id = v.id AND m.lease_owner = %(me)s
RETURNING m.id
"""
INSERT_CHECKS = """
INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms, error, checked_at,
                    source)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::int[], %s::int[], %s::text[],
                     %s::timestamptz[], %s::text[])
ON CONFLICT DO NOTHING
"""
ANNOUNCE_FLIP = "SELECT pg_notify(%s, user_id::text) FROM monitors WHERE id = %s"
OPEN_INCIDENT = """
INSERT INTO incidents (id, monitor_id, source, status, started_at, first_error)
VALUES (%s, %s, 'cloud', 'down', %s, %s) ON CONFLICT (monitor_id, id) DO NOTHING
"""
CLOSE_INCIDENT = """
UPDATE incidents SET ended_at = %s
WHERE monitor_id = %s AND source = 'cloud' AND ended_at IS NULL
"""
QUEUE_ALERTS = """
INSERT INTO alert_outbox (id, flip_id, monitor_id, channel_id, event, payload, status,
                          attempts, next_attempt_at, created_at)
SELECT gen_random_uuid(), %(flip)s, %(monitor)s, c.id, %(event)s, %(payload)s, 'pending', 0,
       now(), now()
FROM monitor_alert_channels AS l JOIN alert_channels AS c ON c.id = l.channel_id
WHERE l.monitor_id = %(monitor)s AND NOT c.deleted AND c.disabled_reason IS NULL
ON CONFLICT ON CONSTRAINT alert_outbox_once DO NOTHING
"""


@dataclass(slots=True)
class Outcome:
    """A cloud check done: what it found and what comes next for its monitor."""

    claimed: Claimed
    result: CheckResult
    state: MonitorState
    flip: Flip | None
    next_at: datetime


def flip_id(flip: Flip) -> uuid.UUID:
    """The flip's stable id: written twice, it is still one alert per channel."""
    key = f"{flip.monitor_id}|{flip.at.isoformat()}|{flip.current}|{flip.reminder}"
    return uuid.uuid5(FLIP_NAMESPACE, key)


def incident_id(monitor_id: uuid.UUID, started_at: datetime) -> uuid.UUID:
    """The stable id of the cloud incident of monitor that started at started_at."""
    return uuid.uuid5(FLIP_NAMESPACE, f"incident|{monitor_id}|{started_at.isoformat()}")


async def write_batch(conn: AsyncConnection[Any], me: str, outcomes: list[Outcome]) -> int:
    """Store outcomes in one transaction; return how many were still ours to store."""
    if not outcomes:
        return 0
    async with conn.transaction(), conn.cursor() as cursor:
        await cursor.execute(
            ADVANCE,
            {
                "me": me,
                "ids": [o.claimed.spec.id for o in outcomes],
                "next": [o.next_at for o in outcomes],
                "states": [dump_state(o.state) for o in outcomes],
            },
        )
        ours = {row[0] for row in await cursor.fetchall()}
        kept = [o for o in outcomes if o.claimed.spec.id in ours]
        if not kept:
            return 0
        results = [o.result for o in kept]
        await cursor.execute(
            INSERT_CHECKS,
            (
                [r.id for r in results],
                [r.monitor_id for r in results],
                [str(r.status) for r in results],
                [r.status_code for r in results],
                [r.response_time_ms for r in results],
                [r.error for r in results],
                [r.checked_at for r in results],
                [str(r.source) for r in results],
            ),
        )
        hourly, daily = buckets(
            (r.monitor_id, r.checked_at, r.status, r.response_time_ms) for r in results
        )
        await cursor.executemany(UPSERT_HOURLY, rollup_rows("cloud", hourly))
        await cursor.executemany(UPSERT_DAILY, rollup_rows("cloud", daily))
        for outcome in kept:
            if outcome.flip is not None:
                await _record_flip(cursor, outcome)
    return len(kept)


async def _record_flip(cursor: Any, outcome: Outcome) -> None:
    flip = outcome.flip
    assert flip is not None
    monitor_id = flip.monitor_id
    if flip.previous == Status.DOWN and flip.current != Status.DOWN:
        await cursor.execute(CLOSE_INCIDENT, (flip.at, monitor_id))
    if flip.current == Status.DOWN and not flip.reminder:
        started = flip.incident_started_at or flip.at
        await cursor.execute(
            OPEN_INCIDENT, (incident_id(monitor_id, started), monitor_id, started, flip.error)
        )
    # desktops of the account hear of it at once ("down from the cloud")
    await cursor.execute(ANNOUNCE_FLIP, (CHANNEL, monitor_id))
    if flip.alerts:
        message = flip_message(outcome.claimed.spec, flip)
        spec = outcome.claimed.spec
        payload = {
            "event": message.event,
            "title": message.title,
            "body": message.body,
            "monitor": spec.name,
            "url": spec.url,
            "status": str(flip.current),
            "at": flip.at.isoformat(),
            "error": flip.error,
        }
        await cursor.execute(
            QUEUE_ALERTS,
            {"flip": flip_id(flip), "monitor": monitor_id, "event": message.event,
             "payload": Jsonb(payload)},
        )  # fmt: skip
