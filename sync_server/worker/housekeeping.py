"""Housekeeping, done by one worker at a time (a PostgreSQL advisory lock): retention of raw
checks per plan, of rollups, spent tokens and old alerts, and the weekly email reports.

Reports go out from Monday 08:00 UTC to users who opted in, once a week each, rendered from
daily rollups and incidents (shared/report.py): cloud figures for cloud-checked monitors,
the desktop's synced figures for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from shared.report import MonitorReport, Outage, Report, render_text
from shared.uptime import Rollup
from sync_server.alerts.deliver import Deliverer
from sync_server.plans import PLANS

log = logging.getLogger(__name__)
LOCK_KEY = 7_508_337_001  # any constant; one housekeeper holds it at a time
DELETE_BATCH = 10_000
HOURLY_KEEP = timedelta(days=90)
DAILY_KEEP = timedelta(days=400)
ALERTS_KEEP = timedelta(days=30)
SESSIONS_KEEP = timedelta(days=30)
REPORT_HOUR = 8  # Monday, UTC

EXPIRED_CHECKS = """
DELETE FROM checks WHERE id IN (
    SELECT c.id FROM checks AS c
    JOIN monitors AS m ON m.id = c.monitor_id
    JOIN users AS u ON u.id = m.user_id
    JOIN unnest(%(plans)s::text[], %(days)s::int[]) AS p(plan, days) ON p.plan = u.plan
    WHERE c.checked_at < %(now)s - make_interval(days => p.days)
    LIMIT %(batch)s
)
"""
UPKEEP = [
    "DELETE FROM rollups_hourly WHERE bucket < %(now)s - %(hourly)s",
    "DELETE FROM rollups_daily WHERE bucket < %(now)s - %(daily)s",
    "DELETE FROM refresh_tokens WHERE expires_at < %(now)s",
    "DELETE FROM auth_sessions WHERE revoked_at < %(now)s - %(sessions)s",
    "DELETE FROM alert_outbox WHERE status IN ('sent', 'dead')"
    " AND created_at < %(now)s - %(alerts)s",
]
REPORT_USERS = """
SELECT id, email FROM users
WHERE weekly_report AND created_at < %(since)s
  AND (last_report_at IS NULL OR last_report_at < %(since)s)
"""
REPORT_MONITORS = """
SELECT m.id, m.name, CASE WHEN m.cloud THEN 'cloud' ELSE 'local' END AS source
FROM monitors AS m WHERE m.user_id = %(user)s AND NOT m.deleted
"""
REPORT_ROLLUPS = """
SELECT monitor_id, up, degraded, down, unknown, rt_count, rt_sum, rt_min, rt_max, histogram
FROM rollups_daily AS r
WHERE r.monitor_id = ANY(%(ids)s) AND r.source = %(source)s AND r.bucket >= %(start)s
  AND r.bucket < %(end)s
"""
REPORT_INCIDENTS = """
SELECT monitor_id, started_at, ended_at, first_error FROM incidents
WHERE monitor_id = ANY(%(ids)s) AND source = %(source)s AND started_at < %(end)s
  AND (ended_at IS NULL OR ended_at > %(start)s)
"""


def report_week(now: datetime) -> tuple[datetime, datetime]:
    """The week to report on (Monday 00:00 to Monday 00:00 UTC), once Monday 08:00 has come."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if now < monday + timedelta(hours=REPORT_HOUR):
        monday -= timedelta(days=7)
    return monday - timedelta(days=7), monday


@dataclass(slots=True)
class Swept:
    """What one round removed and sent."""

    checks: int = 0
    other_rows: int = 0
    reports: int = 0
    failed_reports: list[str] = field(default_factory=list)


class Housekeeper:
    """Runs a round every few minutes while the worker runs."""

    def __init__(self, conninfo: str, deliverer: Deliverer) -> None:
        self.conninfo = conninfo
        self.deliverer = deliverer

    async def run(self, stop: asyncio.Event, every_s: float = 300.0) -> None:
        """A round now, then every every_s seconds until stop."""
        while not stop.is_set():
            try:
                await self.round(datetime.now(UTC))
            except Exception:  # housekeeping must never stop the checks
                log.exception("housekeeping round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)

    async def round(self, now: datetime) -> Swept | None:
        """One round at `now`; None when another worker holds the housekeeping lock."""
        async with await AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
            row = await cursor.fetchone()
            if row is None or not row[0]:
                return None
            try:
                swept = Swept()
                await self._retention(conn, now, swept)
                await self._reports(conn, now, swept)
                return swept
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    async def _retention(self, conn: AsyncConnection[Any], now: datetime, swept: Swept) -> None:
        plans = {"plans": list(PLANS), "days": [p.raw_history_days for p in PLANS.values()]}
        while True:
            cursor = await conn.execute(
                EXPIRED_CHECKS, {**plans, "now": now, "batch": DELETE_BATCH}
            )
            swept.checks += cursor.rowcount
            if cursor.rowcount < DELETE_BATCH:
                break
        keep = {"now": now, "hourly": HOURLY_KEEP, "daily": DAILY_KEEP,
                "sessions": SESSIONS_KEEP, "alerts": ALERTS_KEEP}  # fmt: skip
        for statement in UPKEEP:
            cursor = await conn.execute(statement, keep)
            swept.other_rows += cursor.rowcount

    async def _reports(self, conn: AsyncConnection[Any], now: datetime, swept: Swept) -> None:
        start, end = report_week(now)
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(REPORT_USERS, {"since": end + timedelta(hours=REPORT_HOUR)})
            users = await cursor.fetchall()
        for user in users:
            report = await self._report(conn, user["id"], start, end)
            body = render_text(report, title="Your Upwatch week")
            title = f"Upwatch weekly report: {start:%d %b} – {end - timedelta(days=1):%d %b}"
            payload = {"event": "report", "title": title, "body": body}
            delivered = await self.deliverer.send("email", {"to": user["email"]}, payload)
            if not delivered.ok:
                swept.failed_reports.append(f"{user['email']}: {delivered.error}")
                continue
            await conn.execute(
                "UPDATE users SET last_report_at = %s WHERE id = %s", (now, user["id"])
            )
            swept.reports += 1

    async def _report(
        self, conn: AsyncConnection[Any], user_id: Any, start: datetime, end: datetime
    ) -> Report:
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(REPORT_MONITORS, {"user": user_id})
            monitors = await cursor.fetchall()
            reports = {m["id"]: MonitorReport(m["name"], Rollup()) for m in monitors}
            for source in ("cloud", "local"):
                ids = [m["id"] for m in monitors if m["source"] == source]
                window = {"ids": ids, "source": source, "start": start, "end": end}
                await cursor.execute(REPORT_ROLLUPS, window)
                for row in await cursor.fetchall():
                    fields = {k: v for k, v in row.items() if k != "monitor_id"}
                    reports[row["monitor_id"]].rollup.merge(Rollup(**fields))
                await cursor.execute(REPORT_INCIDENTS, window)
                for row in await cursor.fetchall():
                    ended = min(row["ended_at"], end) if row["ended_at"] else None
                    outage = Outage(max(row["started_at"], start), ended, row["first_error"])
                    reports[row["monitor_id"]].outages.append(outage)
        return Report(start, end, list(reports.values()))
