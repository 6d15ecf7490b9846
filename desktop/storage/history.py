"""Reads for views and the CLI: uptime from rollups, recent checks, incidents.

A monitor can have results from several origins here: this computer's own checks (source
0), the cloud's (1) and other devices' of the account (their code in sync_devices, from 2).
Uptime figures come from one origin at a time, never a sum: this computer's own checks
when it has any in the window, else the origin with the most checks there. The same minute
checked from two computers is not counted twice, and an outage seen from here is not
diluted by another computer that could still reach the site.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from desktop.storage.codes import SOURCE_CODE, STATUS_OF
from desktop.storage.database import dbapi
from shared.result import CheckResult, Source, from_ms, to_ms
from shared.uptime import HISTOGRAM_SIZE, HOUR_S, ROLLUP_COLUMNS, Rollup, window_start

THIS_COMPUTER = "this computer"
CLOUD = "cloud"
ANOTHER_COMPUTER = "another computer"  # a device whose name never arrived
_LOCAL = SOURCE_CODE[Source.LOCAL]
_CLOUD = SOURCE_CODE[Source.CLOUD]

# the desktop keeps a rollup's histogram in one column per bucket
HISTOGRAM_COLUMNS: tuple[str, ...] = tuple(f"h{i}" for i in range(HISTOGRAM_SIZE))
_MERGED_BY = {"rt_min": "min", "rt_max": "max"}  # every other figure is summed
_COLS = ", ".join(
    f"{_MERGED_BY.get(name, 'sum')}({name})" for name in (*ROLLUP_COLUMNS, *HISTOGRAM_COLUMNS)
)
_FIGURES = len(ROLLUP_COLUMNS)


def _rollup(row: tuple[int | None, ...]) -> Rollup:
    return Rollup.from_columns(row[:_FIGURES], row[_FIGURES:])


def _rollup_window(window: timedelta, now: datetime) -> tuple[str, int]:
    """The rollup table and the first bucket (Unix s) that shared window_start picks."""
    hourly, first = window_start(window, now)
    return ("rollups_hourly" if hourly else "rollups_daily"), int(first.timestamp())


def one_origin(by_source: dict[int, Rollup]) -> Rollup:
    """Return this computer's rollup when it has known checks, else the one of the origin
    with the most (the lowest source code on a tie); an empty Rollup when there is none."""
    own = by_source.get(_LOCAL)
    if own is not None and own.known:
        return own
    best = own or Rollup()
    for _, rollup in sorted(by_source.items()):
        if rollup.known > best.known:
            best = rollup
    return best


def uptime_by_monitor(
    conn: sqlite3.Connection,
    window: timedelta,
    now: datetime,
    source: Source | None = None,
    *,
    monitor_pk: int | None = None,
) -> dict[int, Rollup]:
    """Return each monitor's (or one monitor's) rollup over the window, keyed by pk: from
    source only, or (None) from one origin as the module says."""
    table, first = _rollup_window(window, now)
    only = "" if monitor_pk is None else " AND monitor_pk = ?"
    params: tuple[int, ...] = (first,)
    if source is not None:
        only += " AND source = ?"
        params += (SOURCE_CODE[source],)
    if monitor_pk is not None:
        params += (monitor_pk,)
    rows = conn.execute(
        f"SELECT monitor_pk, source, {_COLS} FROM {table} WHERE bucket >= ?{only}"  # noqa: S608
        " GROUP BY monitor_pk, source",
        params,
    ).fetchall()
    by_monitor: dict[int, dict[int, Rollup]] = {}
    for row in rows:
        by_monitor.setdefault(row[0], {})[row[1]] = _rollup(row[2:])
    return {pk: one_origin(sources) for pk, sources in by_monitor.items()}


def daily_rollups(
    conn: sqlite3.Connection, monitor_pk: int, days: int, now: datetime
) -> list[tuple[datetime, Rollup]]:
    """Return (day, rollup) for the last days UTC days that have data, oldest first; each
    day from one origin as the module says."""
    _, first = _rollup_window(timedelta(days=days), now)
    return bucket_rollups(conn, monitor_pk, "rollups_daily", first)


def hourly_rollups(
    conn: sqlite3.Connection, monitor_pk: int, since: datetime
) -> list[tuple[datetime, Rollup]]:
    """Return (hour, rollup) for the hours from since's that have data, oldest first; each
    hour from one origin as the module says."""
    first = int(since.timestamp()) // HOUR_S * HOUR_S
    return bucket_rollups(conn, monitor_pk, "rollups_hourly", first)


def bucket_rollups(
    conn: sqlite3.Connection, monitor_pk: int, table: str, first: int
) -> list[tuple[datetime, Rollup]]:
    """Return (bucket start, rollup) of one rollup table (our own constant, never input)
    from bucket first (Unix s) on, oldest first, each bucket from one origin."""
    rows = conn.execute(
        f"SELECT bucket, source, {_COLS} FROM {table}"  # noqa: S608
        " WHERE monitor_pk = ? AND bucket >= ? GROUP BY bucket, source ORDER BY bucket",
        (monitor_pk, first),
    ).fetchall()
    by_bucket: dict[int, dict[int, Rollup]] = {}
    for row in rows:
        by_bucket.setdefault(row[0], {})[row[1]] = _rollup(row[2:])
    return [
        (datetime.fromtimestamp(at, UTC), one_origin(sources)) for at, sources in by_bucket.items()
    ]


@dataclass(frozen=True, slots=True)
class IncidentView:
    """A stored incident."""

    id: str
    started_at: datetime
    ended_at: datetime | None
    first_error: str | None


@dataclass(frozen=True, slots=True)
class StoredCheck(CheckResult):
    """A check as stored here, with who checked it: "this computer", "cloud", or the name
    of the account's other device (its result is a local one there, so source is LOCAL)."""

    origin: str = THIS_COMPUTER


def origin_label(source: int, device_name: str | None) -> str:
    """Return who checked a result stored with this source code, for people."""
    if source == _LOCAL:
        return THIS_COMPUTER
    if source == _CLOUD:
        return CLOUD
    return device_name or ANOTHER_COMPUTER


def recent_checks(
    conn: sqlite3.Connection,
    monitor_pk: int,
    monitor_id: uuid.UUID,
    *,
    limit: int = 50,
    since: datetime | None = None,
) -> list[CheckResult]:
    """Return the newest checks of a monitor from every origin, newest first, each a
    StoredCheck (which says who checked it)."""
    since_ms = to_ms(since) if since else 0
    rows = conn.execute(
        "SELECT c.checked_at, c.source, c.status, c.status_code, c.response_ms, c.error, d.name"
        " FROM checks AS c LEFT JOIN sync_devices AS d ON d.code = c.source"
        " WHERE c.monitor_pk = ? AND c.checked_at >= ?"
        " ORDER BY c.checked_at DESC, c.source LIMIT ?",
        (monitor_pk, since_ms, limit),
    ).fetchall()
    return [
        StoredCheck(
            monitor_id=monitor_id,
            status=STATUS_OF[row[2]],
            checked_at=from_ms(row[0]),
            status_code=row[3],
            response_time_ms=row[4],
            error=row[5],
            source=Source.CLOUD if row[1] == _CLOUD else Source.LOCAL,
            origin=origin_label(row[1], row[6]),
        )
        for row in rows
    ]


def incidents(conn: sqlite3.Connection, monitor_pk: int, *, limit: int = 20) -> list[IncidentView]:
    """Return the newest incidents of a monitor, newest first."""
    rows = conn.execute(
        "SELECT id, started_at, ended_at, first_error FROM incidents WHERE monitor_pk = ?"
        " ORDER BY started_at DESC LIMIT ?",
        (monitor_pk, limit),
    ).fetchall()
    return [
        IncidentView(
            id=row[0],
            started_at=datetime.fromisoformat(row[1]),
            ended_at=datetime.fromisoformat(row[2]) if row[2] else None,
            first_error=row[3],
        )
        for row in rows
    ]


def prune(
    conn: sqlite3.Connection, now: datetime, *, raw_days: int, hourly_days: int, daily_days: int
) -> int:
    """Delete raw checks and rollups past their retention; return the checks deleted."""
    raw_cut = to_ms(now - timedelta(days=raw_days))
    deleted = 0
    for (monitor_pk,) in conn.execute("SELECT pk FROM monitors").fetchall():
        # per monitor, so each delete is a range of the clustered key, not a table scan
        deleted += conn.execute(
            "DELETE FROM checks WHERE monitor_pk = ? AND checked_at < ?", (monitor_pk, raw_cut)
        ).rowcount
    hourly_cut = int((now - timedelta(days=hourly_days)).timestamp())
    conn.execute("DELETE FROM rollups_hourly WHERE bucket < ?", (hourly_cut,))
    daily_cut = int((now - timedelta(days=daily_days)).timestamp())
    conn.execute("DELETE FROM rollups_daily WHERE bucket < ?", (daily_cut,))
    deliveries_cut = (now - timedelta(days=raw_days)).isoformat()
    conn.execute("DELETE FROM deliveries WHERE at < ?", (deliveries_cut,))
    return int(deleted)


def incidents_between(
    conn: sqlite3.Connection, start: datetime, end: datetime
) -> dict[int, list[IncidentView]]:
    """Return the local incidents overlapping [start, end), by monitor pk, oldest first."""
    rows = conn.execute(
        "SELECT monitor_pk, id, started_at, ended_at, first_error FROM incidents"
        " WHERE source = 0 AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)"
        " ORDER BY started_at",
        (end.isoformat(), start.isoformat()),
    ).fetchall()
    found: dict[int, list[IncidentView]] = {}
    for pk, incident_id, started, ended, error in rows:
        found.setdefault(pk, []).append(
            IncidentView(
                id=incident_id,
                started_at=datetime.fromisoformat(started),
                ended_at=datetime.fromisoformat(ended) if ended else None,
                first_error=error,
            )
        )
    return found


class HistoryRepository:
    """The reads above within the caller's unit of work (a reader() or session())."""

    def __init__(self, session: Session) -> None:
        self._conn = dbapi(session)

    def uptime_by_monitor(
        self, window: timedelta, now: datetime, *, monitor_pk: int | None = None
    ) -> dict[int, Rollup]:
        """Return each monitor's (or one monitor's) rollup over the window, from one origin."""
        return uptime_by_monitor(self._conn, window, now, monitor_pk=monitor_pk)

    def daily_rollups(
        self, monitor_pk: int, days: int, now: datetime
    ) -> list[tuple[datetime, Rollup]]:
        """Return (day, rollup) for the last days UTC days that have data, oldest first."""
        return daily_rollups(self._conn, monitor_pk, days, now)

    def hourly_rollups(self, monitor_pk: int, since: datetime) -> list[tuple[datetime, Rollup]]:
        """Return (hour, rollup) for the hours from since's that have data, oldest first."""
        return hourly_rollups(self._conn, monitor_pk, since)

    def recent_checks(
        self,
        monitor_pk: int,
        monitor_id: uuid.UUID,
        *,
        limit: int = 50,
        since: datetime | None = None,
    ) -> list[CheckResult]:
        """Return the newest checks of a monitor from every origin, newest first (none
        older than since)."""
        return recent_checks(self._conn, monitor_pk, monitor_id, limit=limit, since=since)

    def incidents(self, monitor_pk: int, *, limit: int = 20) -> list[IncidentView]:
        """Return the newest incidents of a monitor, newest first."""
        return incidents(self._conn, monitor_pk, limit=limit)

    def incidents_between(self, start: datetime, end: datetime) -> dict[int, list[IncidentView]]:
        """Return the local incidents overlapping [start, end), by monitor pk, oldest first."""
        return incidents_between(self._conn, start, end)
