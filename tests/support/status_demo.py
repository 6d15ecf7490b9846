"""A believable status page for screenshots and browser tests: an account with five
monitors, 90 days of rollups with a few outages, each outage's incident, the last day's
response times and the latest checks, put straight into the server's database."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from shared.status import Status
from shared.uptime import Rollup
from tests.support.status_history import add_incident, add_page, add_results
from tests.sync_server.rows import insert_monitor, insert_user

# name, base response ms, outages as (days ago, minutes down, cause as a check would say it)
MONITORS: list[tuple[str, int, list[tuple[int, int, str]]]] = [
    ("Website", 180, [(23, 14, "expected 200-299, got 502")]),
    ("API", 95, [(2, 6, "timeout after 30 s"), (57, 42, "could not connect: connection refused")]),
    ("Checkout", 240, [(9, 3, "expected 200-299, got 500")]),
    ("Docs", 130, []),
    ("Webhooks", 70, [(71, 95, "DNS lookup failed for hooks.internal")]),
]
_ROLLUP = """
INSERT INTO {table} (monitor_id, source, bucket, up, degraded, down, unknown, rt_count, rt_sum,
                     rt_min, rt_max, histogram)
VALUES (:monitor, 'cloud', :bucket, :up, 0, :down, 0, :rt_count, :rt_sum, :rt_min, :rt_max,
        :histogram)
"""


@dataclass(frozen=True, slots=True)
class Demo:
    """What was made: the account, the page's slug and the monitors in page order."""

    user_id: uuid.UUID
    slug: str
    monitors: list[uuid.UUID]


def _rollup(checks: int, down: int, base_ms: int, wobble: float) -> Rollup:
    rollup = Rollup()
    for n in range(checks - down):
        rollup.add(Status.UP, int(base_ms * (1 + 0.25 * math.sin(n / 7 + wobble))))
    rollup.down = down
    return rollup


def _insert(db: Engine, table: str, monitor: uuid.UUID, bucket: datetime, rollup: Rollup) -> None:
    with db.begin() as conn:
        conn.execute(
            text(_ROLLUP.format(table=table)),
            {"monitor": monitor, "bucket": bucket, "up": rollup.up, "down": rollup.down,
             "rt_count": rollup.rt_count, "rt_sum": rollup.rt_sum, "rt_min": rollup.rt_min,
             "rt_max": rollup.rt_max, "histogram": rollup.histogram},
        )  # fmt: skip


def seed_demo(db: Engine, now: datetime | None = None, slug: str = "acme") -> Demo:
    """Make the demo account (business plan), its monitors, history and published page."""
    now = now or datetime.now(UTC)
    user = insert_user(db, "business", email=f"demo-{uuid.uuid4().hex[:8]}@example.com")
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour = now.replace(minute=0, second=0, microsecond=0)
    ids = []
    for index, (name, base_ms, outages) in enumerate(MONITORS):
        monitor = insert_monitor(db, user, f"https://{name.lower()}.acme.test", name=name)
        ids.append(monitor)
        down_on = {days: minutes for days, minutes, _ in outages}
        for back in range(90):
            day = today - timedelta(days=back)
            down = down_on.get(back, 0)
            checks = 1440 if back else int((now - today).total_seconds() // 60) + 1
            _insert(db, "rollups_daily", monitor, day, _rollup(checks, down, base_ms, back + index))
        for back in range(24):
            at = hour - timedelta(hours=back)
            checks = 60 if back else now.minute + 1
            wobble = 1 + 0.35 * math.sin((at.hour + index * 3) / 24 * 2 * math.pi)
            _insert(
                db, "rollups_hourly", monitor, at, _rollup(checks, 0, int(base_ms * wobble), back)
            )
        for days, minutes, cause in outages:
            start = today - timedelta(days=days) + timedelta(hours=9 + index, minutes=17)
            add_incident(db, monitor, "cloud", start, start + timedelta(minutes=minutes), cause)
        latest = [(now - timedelta(seconds=30 + 60 * n), "up", base_ms + 7 * n) for n in range(3)]
        add_results(db, monitor, "cloud", latest)
    description = "Live status of Acme's website, API and checkout."
    add_page(db, user, slug, "Acme Inc.", ids, description)
    return Demo(user, slug, ids)
