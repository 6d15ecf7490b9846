"""Claiming due monitors: `FOR UPDATE SKIP LOCKED` plus a lease, on PostgreSQL alone.

A claimed monitor carries this worker's name and a lease that outlives its check. Another
worker skips it while the lease holds; when a worker dies, its monitors come free as the
lease runs out. Only accounts whose plan includes cloud checks are claimed, at no more
than the plan's fastest interval.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from shared.monitor import MonitorSpec
from shared.state import MonitorState
from shared.state_codec import load_state
from sync_server.monitors.read_model import stored_spec
from sync_server.plans import PLANS, plan_of

CLOUD_PLANS = [name for name, plan in PLANS.items() if plan.cloud_monitors > 0]
SPEC_COLUMNS = list(MonitorSpec.model_fields)

# RETURNING's spec columns are our own names, put in as quoted identifiers by psycopg
CLAIM = sql.SQL("""
UPDATE monitors AS m
SET lease_owner = %(me)s,
    lease_until = greatest(m.next_check_at, now())
        + make_interval(secs => m.timeout + %(margin)s)
FROM (
    SELECT d.id, u.plan
    FROM monitors AS d JOIN users AS u ON u.id = d.user_id
    WHERE d.cloud AND d.is_active AND NOT d.deleted
      AND d.next_check_at <= now() + make_interval(secs => %(ahead)s)
      AND (d.lease_until IS NULL OR d.lease_until < now())
      AND u.plan = ANY(%(plans)s)
    ORDER BY d.next_check_at
    LIMIT %(batch)s
    FOR UPDATE OF d SKIP LOCKED
) AS due
WHERE m.id = due.id
RETURNING {spec}, m.user_id, m.next_check_at, m.state, due.plan
""").format(spec=sql.SQL(", ").join(sql.Identifier("m", name) for name in SPEC_COLUMNS))


@dataclass(slots=True)
class Claimed:
    """A monitor this worker holds until it has checked it and written the outcome."""

    spec: MonitorSpec
    user_id: uuid.UUID
    due_at: datetime
    state: MonitorState
    interval_s: int  # the monitor's interval, raised to the plan's fastest if need be


def _claimed(row: dict[str, Any]) -> Claimed:
    fastest = plan_of(row["plan"]).fastest_cloud_interval_s or row["interval"]
    spec = stored_spec({c: row[c] for c in SPEC_COLUMNS})
    return Claimed(
        spec=spec,
        user_id=row["user_id"],
        due_at=row["next_check_at"],
        state=load_state(row["state"]),
        interval_s=max(int(row["interval"]), fastest),
    )


async def claim(
    conn: AsyncConnection[Any], me: str, *, batch: int, ahead_s: float, margin_s: float
) -> list[Claimed]:
    """Lease up to batch monitors due within ahead_s; return them, earliest first."""
    async with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(
            CLAIM,
            {"me": me, "margin": margin_s, "ahead": ahead_s, "plans": CLOUD_PLANS, "batch": batch},
        )
        rows = await cursor.fetchall()
    return sorted((_claimed(row) for row in rows), key=lambda c: c.due_at)
