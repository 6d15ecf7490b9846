"""PublicRepository: what published status pages show, read from rollups and a few checks.

Every query here is bounded by a published, live page: a monitor that is on no such page
is never read. Nothing here scans raw history beyond each monitor's latest
few checks (an index lookup).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlmodel import Session

from shared.uptime import HISTOGRAM_SIZE

_PAGE = text("""
SELECT id, slug, title, description, updated_at FROM status_pages
WHERE slug = :slug AND published AND NOT deleted
""")
_MONITORS = text("""
SELECT m.id, m.name, m.interval, m.is_active, m.cloud, m.confirmations, m.updated_at
FROM status_page_monitors AS p JOIN monitors AS m ON m.id = p.monitor_id
WHERE p.page_id = :page AND NOT m.deleted
ORDER BY p.position
""")
# a monitor is public while some published, live page shows it
_PUBLIC_MONITOR = text("""
SELECT m.id, m.name, m.interval, m.is_active, m.cloud, m.confirmations, m.updated_at
FROM monitors AS m
WHERE m.id = :monitor AND NOT m.deleted AND EXISTS (
    SELECT 1 FROM status_page_monitors AS p JOIN status_pages AS s ON s.id = p.page_id
    WHERE p.monitor_id = m.id AND s.published AND NOT s.deleted)
""")
# each monitor's latest few checks of each source, newest first (index checks_monitor_time)
_LATEST = text("""
SELECT m.id, c.source, c.status, c.checked_at, c.response_time_ms
FROM unnest(CAST(:monitors AS uuid[])) AS m(id)
CROSS JOIN (VALUES ('cloud'), ('local')) AS s(source)
CROSS JOIN LATERAL (
    SELECT source, status, checked_at, response_time_ms FROM checks
    WHERE monitor_id = m.id AND source = s.source
    ORDER BY checked_at DESC LIMIT :depth) AS c
""")
# One timeline per monitor, the same rule for every figure: an hour is the cloud's results
# when the cloud checked the monitor in that hour (the cloud checks only while the account's
# plan has the monitor checked there), else the desktop's pushed results. Both sources are
# never added up: a desktop keeps checking a cloud-checked monitor, and counting both would
# count those minutes twice.
#
# A day is the cloud's daily rollup when the cloud checked it, else the desktop's, except a
# day both checked that the cloud did not check all day (a takeover: the desktop before, the
# cloud after; or the reverse; or today): such a day is made of its hours, picked as above,
# so the desktop's part of a takeover day is kept. The cloud checks on a fixed grid: it
# missed part of a day when its checks fall an hour's worth or more short of a day's at the
# monitor's interval (a check missed here and there does not make every day a mixed one;
# the desktop's count is no guide: two desktops checking one monitor push twice as many).
# So less than an hour of the desktop's results is passed over at a takeover, and none when
# it falls on an hour's start (even the last hour of a day): the rest of the hour, or of the
# day, that the cloud checked.
_DAILY_COUNTS = text("""
SELECT monitor_id, array_agg(day ORDER BY day) AS days, array_agg(ok ORDER BY day) AS ok,
       array_agg(down ORDER BY day) AS down, array_agg(mixed ORDER BY day) AS mixed
FROM (
    SELECT m.id AS monitor_id,
           CAST(r.bucket AT TIME ZONE 'UTC' AS date) - CAST(:first AS date) AS day,
           coalesce(sum(r.ok) FILTER (WHERE r.source = 'cloud'), sum(r.ok)) AS ok,
           coalesce(sum(r.down) FILTER (WHERE r.source = 'cloud'), sum(r.down)) AS down,
           count(*) = 2 AND sum(r.ok + r.down) FILTER (WHERE r.source = 'cloud')
                            * m.interval <= 86400 - 3600 AS mixed
    FROM unnest(CAST(:monitors AS uuid[]), CAST(:intervals AS int[])) AS m(id, interval)
    CROSS JOIN LATERAL (
        SELECT source, bucket, up + degraded AS ok, down FROM rollups_daily
        WHERE monitor_id = m.id AND source IN ('cloud', 'local') AND bucket >= :since
          AND up + degraded + down > 0) AS r
    GROUP BY m.id, m.interval, r.bucket
) AS picked
GROUP BY monitor_id
""")
# The mixed days made of their hours (a separate statement: given the days, PostgreSQL
# reads one index range per day; inside the statement above it guessed a scan of them all).
_DAYS_FROM_HOURS = text("""
SELECT x.monitor_id, x.day, sum(h.ok) AS ok, sum(h.down) AS down
FROM unnest(CAST(:monitors AS uuid[]), CAST(:days AS int[])) AS x(monitor_id, day)
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (r.bucket) r.up + r.degraded AS ok, r.down FROM rollups_hourly AS r
    WHERE r.monitor_id = x.monitor_id AND r.source IN ('cloud', 'local')
      AND r.bucket >= :since + make_interval(hours => 24 * x.day)
      AND r.bucket < :since + make_interval(hours => 24 * x.day + 24)
      AND r.up + r.degraded + r.down > 0
    ORDER BY r.bucket, r.source = 'cloud' DESC) AS h
GROUP BY x.monitor_id, x.day
""")
_HOURLY = text("""
SELECT monitor_id, array_agg(hour ORDER BY hour) AS hours, sum(up) AS up,
       sum(degraded) AS degraded, sum(down) AS down, sum(unknown) AS unknown,
       array_agg(rt_count ORDER BY hour) AS rt_counts, array_agg(rt_sum ORDER BY hour) AS rt_sums,
       min(rt_min) AS rt_min, max(rt_max) AS rt_max, array_agg(histogram) AS histograms
FROM (
    SELECT DISTINCT ON (m.id, r.bucket) m.id AS monitor_id,
           CAST(extract(epoch FROM r.bucket - :since) AS int) / 3600 AS hour, r.up, r.degraded,
           r.down, r.unknown, r.rt_count, r.rt_sum, r.rt_min, r.rt_max,
           -- one shape for array_agg: a histogram of another size counts as none
           CASE WHEN cardinality(r.histogram) = :bins THEN r.histogram
                ELSE array_fill(0, ARRAY[:bins]) END AS histogram
    FROM unnest(CAST(:monitors AS uuid[])) AS m(id)
    CROSS JOIN LATERAL (
        SELECT * FROM rollups_hourly
        WHERE monitor_id = m.id AND source IN ('cloud', 'local') AND bucket >= :since
          AND up + degraded + down > 0) AS r
    ORDER BY m.id, r.bucket, r.source = 'cloud' DESC
) AS picked
GROUP BY monitor_id
""")
# Incidents on the same timeline: the cloud's, and the desktop's that began in an hour the
# cloud did not check (a desktop that kept checking after a takeover opens its own incidents
# of outages the cloud already tells; the cloud's figures for that hour are the ones shown).
_INCIDENTS = text("""
SELECT i.id, i.monitor_id, i.source, i.started_at, i.ended_at, i.first_error
FROM incidents AS i
WHERE i.monitor_id = ANY(CAST(:monitors AS uuid[])) AND i.started_at >= :since
  AND (i.source = 'cloud' OR NOT EXISTS (
      SELECT 1 FROM rollups_hourly AS r
      WHERE r.monitor_id = i.monitor_id AND r.source = 'cloud'
        AND r.bucket = date_trunc('hour', i.started_at, 'UTC') AND r.up + r.degraded + r.down > 0))
ORDER BY i.started_at DESC LIMIT :limit
""")


@dataclass(frozen=True, slots=True)
class PageRow:
    """A published page."""

    id: uuid.UUID
    slug: str
    title: str
    description: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MonitorRow:
    """What a public view needs of a monitor (never its URL, headers or body)."""

    id: uuid.UUID
    name: str
    interval: int
    is_active: bool
    cloud: bool
    confirmations: int
    updated_at: datetime


def _monitor(row: Row[Any]) -> MonitorRow:
    return MonitorRow(row.id, row.name, row.interval, row.is_active, row.cloud,
                      row.confirmations, row.updated_at)  # fmt: skip


class PublicRepository:
    """Reads for anonymous visitors (no owner: the published page is the permission)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, slug: str) -> PageRow | None:
        """Return the published, live page with this slug, or None."""
        row = self.session.execute(_PAGE, {"slug": slug}).first()
        return (
            None
            if row is None
            else PageRow(row.id, row.slug, row.title, row.description, row.updated_at)
        )

    def page_monitors(self, page_id: uuid.UUID) -> list[MonitorRow]:
        """Return the live monitors on a page, in its order."""
        return [_monitor(r) for r in self.session.execute(_MONITORS, {"page": page_id})]

    def public_monitor(self, monitor_id: uuid.UUID) -> MonitorRow | None:
        """Return the monitor if a published, live page shows it, else None."""
        row = self.session.execute(_PUBLIC_MONITOR, {"monitor": monitor_id}).first()
        return _monitor(row) if row is not None else None

    def latest_checks(self, monitors: Sequence[uuid.UUID], depth: int) -> Sequence[Row[Any]]:
        """Return (monitor_id, source, status, checked_at, response_time_ms) of each
        monitor's latest depth checks per source, newest first."""
        params = {"monitors": list(monitors), "depth": depth}
        return self.session.execute(_LATEST, params).all()

    def daily_counts(
        self, monitors: Sequence[MonitorRow], since: datetime
    ) -> dict[uuid.UUID, dict[int, tuple[int, int]]]:
        """Return per monitor id its days on its timeline (see above): day number from since
        (0 = since's day, a UTC midnight) -> (up + degraded, down) of that day."""
        params = {"monitors": [m.id for m in monitors], "since": since, "first": since.date(),
                  "intervals": [m.interval for m in monitors]}  # fmt: skip
        days: dict[uuid.UUID, dict[int, tuple[int, int]]] = {m.id: {} for m in monitors}
        mixed: list[tuple[uuid.UUID, int]] = []
        for row in self.session.execute(_DAILY_COUNTS, params):
            counts = zip(row.days, zip(row.ok, row.down, strict=True), strict=True)
            days[row.monitor_id] = {day: (int(ok), int(down)) for day, (ok, down) in counts}
            mixed += [(row.monitor_id, d) for d, m in zip(row.days, row.mixed, strict=True) if m]
        if mixed:
            params = {"monitors": [m for m, _ in mixed], "days": [d for _, d in mixed],
                      "since": since}  # fmt: skip
            for row in self.session.execute(_DAYS_FROM_HOURS, params):
                days[row.monitor_id][row.day] = (int(row.ok), int(row.down))
        return days

    def hourly(self, monitors: Sequence[uuid.UUID], since: datetime) -> Sequence[Row[Any]]:
        """Return per monitor its hours from since on its timeline, summed: (monitor_id, hours
        (0 = since's hour), up, degraded, down, unknown, rt_counts and rt_sums per hour,
        rt_min, rt_max, histograms per hour)."""
        params = {"monitors": list(monitors), "since": since, "bins": HISTOGRAM_SIZE}
        return self.session.execute(_HOURLY, params).all()

    def incidents(
        self, monitors: Sequence[uuid.UUID], since: datetime, limit: int
    ) -> Sequence[Row[Any]]:
        """Return (id, monitor_id, source, started_at, ended_at, first_error) of the newest
        incidents on the monitors' timelines started since, newest first."""
        params = {"monitors": list(monitors), "since": since, "limit": limit}
        return self.session.execute(_INCIDENTS, params).all()
