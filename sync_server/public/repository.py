"""PublicRepository: what published status pages show, read from rollups and a few checks.

Every query here is bounded by a published, live page: a monitor that is on no such page
is never read (checklist D3). Nothing here scans raw history beyond each monitor's latest
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
# Per monitor and bucket, the primary source's rollup, or the other source's when the
# primary knows nothing of that bucket (a monitor the cloud began checking last week still
# shows the desktop's earlier days). The bars and windows need counts only.
# (one index range per monitor and source: the key is (monitor_id, source, bucket))
_DAILY_COUNTS = text("""
SELECT monitor_id, array_agg(day ORDER BY day) AS days, array_agg(ok ORDER BY day) AS ok,
       array_agg(down ORDER BY day) AS down
FROM (
    SELECT DISTINCT ON (p.id, r.bucket) p.id AS monitor_id,
           CAST(r.bucket AT TIME ZONE 'UTC' AS date) - CAST(:first AS date) AS day,
           r.up + r.degraded AS ok, r.down
    FROM unnest(CAST(:monitors AS uuid[]), CAST(:sources AS text[])) AS p(id, source)
    CROSS JOIN LATERAL (
        SELECT source, bucket, up, degraded, down FROM rollups_daily
        WHERE monitor_id = p.id AND source IN ('cloud', 'local') AND bucket >= :since
          AND up + degraded + down > 0) AS r
    ORDER BY p.id, r.bucket, r.source = p.source DESC
) AS picked
GROUP BY monitor_id
""")
_HOURLY = text("""
SELECT monitor_id, array_agg(hour ORDER BY hour) AS hours, sum(up) AS up,
       sum(degraded) AS degraded, sum(down) AS down, sum(unknown) AS unknown,
       array_agg(rt_count ORDER BY hour) AS rt_counts, array_agg(rt_sum ORDER BY hour) AS rt_sums,
       min(rt_min) AS rt_min, max(rt_max) AS rt_max, array_agg(histogram) AS histograms
FROM (
    SELECT DISTINCT ON (p.id, r.bucket) p.id AS monitor_id,
           CAST(extract(epoch FROM r.bucket - :since) AS int) / 3600 AS hour, r.up, r.degraded,
           r.down, r.unknown, r.rt_count, r.rt_sum, r.rt_min, r.rt_max,
           -- one shape for array_agg: a histogram of another size counts as none
           CASE WHEN cardinality(r.histogram) = :bins THEN r.histogram
                ELSE array_fill(0, ARRAY[:bins]) END AS histogram
    FROM unnest(CAST(:monitors AS uuid[]), CAST(:sources AS text[])) AS p(id, source)
    CROSS JOIN LATERAL (
        SELECT * FROM rollups_hourly
        WHERE monitor_id = p.id AND source IN ('cloud', 'local') AND bucket >= :since
          AND up + degraded + down > 0) AS r
    ORDER BY p.id, r.bucket, r.source = p.source DESC
) AS picked
GROUP BY monitor_id
""")
_INCIDENTS = text("""
SELECT i.id, i.monitor_id, i.source, i.started_at, i.ended_at, i.first_error
FROM incidents AS i
WHERE i.monitor_id = ANY(CAST(:monitors AS uuid[])) AND i.started_at >= :since
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
        self, monitors: Sequence[uuid.UUID], sources: Sequence[str], since: datetime
    ) -> Sequence[Row[Any]]:
        """Return per monitor (monitor_id, days, ok, down): arrays of day numbers from since
        (0 = since's day) with the up + degraded and down counts of that day, from the
        monitor's source in sources (the other where that one knows nothing of the day)."""
        params = {"monitors": list(monitors), "sources": list(sources), "since": since,
                  "first": since.date()}  # fmt: skip
        return self.session.execute(_DAILY_COUNTS, params).all()

    def hourly(
        self, monitors: Sequence[uuid.UUID], sources: Sequence[str], since: datetime
    ) -> Sequence[Row[Any]]:
        """Return per monitor its hours from since picked like daily_counts, summed: (monitor_id,
        hours (0 = since's hour), up, degraded, down, unknown, rt_counts and rt_sums per hour,
        rt_min, rt_max, histograms per hour)."""
        params = {"monitors": list(monitors), "sources": list(sources), "since": since,
                  "bins": HISTOGRAM_SIZE}  # fmt: skip
        return self.session.execute(_HOURLY, params).all()

    def incidents(
        self, monitors: Sequence[uuid.UUID], since: datetime, limit: int
    ) -> Sequence[Row[Any]]:
        """Return (id, monitor_id, source, started_at, ended_at, first_error) of the newest
        incidents started since, newest first."""
        params = {"monitors": list(monitors), "since": since, "limit": limit}
        return self.session.execute(_INCIDENTS, params).all()
