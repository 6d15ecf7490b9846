"""SyncStore: the desktop's side of sync in SQLite (outbox, cursors, results to push or pulled).

Repositories flush and never commit; the few multi-step writes here (cloud results with
their cursor) are one transaction each, so a crash between two steps loses nothing and
stores nothing twice.
"""

from __future__ import annotations

import socket
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from desktop.storage.channel_sync import apply_remote_channels
from desktop.storage.codes import FIRST_DEVICE_CODE, SOURCE_CODE, STATUS_CODE, STATUS_OF
from desktop.storage.database import Database, dbapi
from desktop.storage.meta import get_meta, put_meta
from desktop.storage.monitors import MonitorRepository
from desktop.storage.tables import MonitorRow, OutboxRow
from desktop.storage.writer import UPSERT_DAILY, UPSERT_HOURLY, rollup_row
from shared.result import Source, from_ms, result_id, to_ms
from shared.status import Status
from shared.sync import RemoteChannel, RemoteMonitor, ResultIn, ResultOut, wins
from shared.uptime import Rollup
from shared.vantage import STALE_FLOOR_S, STALE_INTERVALS

# SQLite allows 32,766 parameters per statement; 7 per row
INSERT_ROWS_PER_STATEMENT = 4000
_INSERT_RETURNING = (
    "INSERT OR IGNORE INTO checks"
    " (monitor_pk, checked_at, source, status, status_code, response_ms, error)"
    " VALUES {values} RETURNING monitor_pk, checked_at, source, status, response_ms, error"
)
# A pulled result becomes the monitor's latest state here when it is newer than the one
# shown and no computer's view is fresh: no check of this computer's own (nor, for a cloud
# result, of another device's) within the time after which a result no longer tells
# anything about now. A computer that runs a monitor shows its own view; one that does not
# shows another computer's, else the cloud's, so "down from the cloud only" keeps meaning
# that the computers checking it can reach it.
_MIRROR_LATEST = (
    "UPDATE monitors SET status = ?, last_checked_at = ?, last_response_ms = ?, last_error = ?"
    " WHERE pk = ? AND is_active AND (last_checked_at IS NULL OR last_checked_at < ?)"
    " AND NOT EXISTS (SELECT 1 FROM checks WHERE monitor_pk = monitors.pk"
    " AND checked_at >= ? - 1000 * max(? * monitors.interval, ?)"
    " AND (source = ? OR (? AND source >= ?)))"
)
LOCAL = SOURCE_CODE[Source.LOCAL]
CLOUD = SOURCE_CODE[Source.CLOUD]
DEVICE_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Pending:
    """A queued local change with the monitor as it is now (None once deleted)."""

    entry: OutboxRow
    row: MonitorRow | None


class SyncStore:
    """Sync state in the local database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- key/value state ----------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        """Return a sync setting (server, email, device_id, cursors, last_error...)."""
        with self.db.reader() as session:
            return get_meta(dbapi(session), key)

    def set(self, **values: str | None) -> None:
        """Set (or, with None, remove) sync settings in one transaction."""
        with self.db.session() as session:
            put_meta(dbapi(session), **values)

    def device_id(self) -> str:
        """Return this installation's device id, made on first use."""
        found = self.get("device_id")
        if found is None:
            found = uuid.uuid4().hex
            self.set(device_id=found)
        return found

    def device_name(self) -> str:
        """Return what this computer is called next to the results it pushes: the name set
        in the sync settings (device_name), else its host name."""
        chosen = self.get("device_name") or socket.gethostname()
        printable = "".join(c for c in chosen if c.isprintable()).strip()
        return printable[:DEVICE_NAME_MAX] or "desktop"

    # -- outbox -------------------------------------------------------------------------------

    def pending(self) -> list[Pending]:
        """Return the queued monitor changes with the monitors' current rows."""
        with self.db.reader() as session:
            entries = session.exec(select(OutboxRow).where(OutboxRow.kind == "monitor")).all()
            rows = {
                row.id: row
                for row in session.exec(
                    select(MonitorRow).where(col(MonitorRow.id).in_([e.id for e in entries]))
                )
            }
        pending = [Pending(e, None if e.deleted else rows.get(e.id)) for e in entries]
        # deletes first (they make room under a plan's limit), then the oldest monitors
        pending.sort(key=lambda p: (p.row is not None, p.row.pk if p.row is not None else 0))
        return pending

    def pending_count(self) -> int:
        """Return how many local changes (monitors and channels) wait for a push."""
        with self.db.reader() as session:
            return int(dbapi(session).execute("SELECT count(*) FROM sync_outbox").fetchone()[0])

    def untried_count(self) -> int:
        """Return how many queued changes no push has tried yet (a refused one keeps its
        reason): new since the last sync, or changed again while it ran."""
        with self.db.reader() as session:
            query = "SELECT count(*) FROM sync_outbox WHERE error IS NULL"
            return int(dbapi(session).execute(query).fetchone()[0])

    def queue_all_monitors(self) -> None:
        """Queue every local monitor (on sign-in: the account gets what this computer has)."""
        with self.db.session() as session:
            repo = MonitorRepository(session)
            for row in repo.list_all():
                repo.queue_push(row.id, row.updated_at)

    def settle(self, entry: OutboxRow, error: str | None) -> None:
        """Drop a pushed change (error None) or keep it with the server's reason.

        Only if it was not changed again while the push was on its way. A monitor refused
        while asking for cloud checks is not cloud-checked: it goes back to this computer's
        checks and alerts alone (otherwise its alerts would wait for a cloud that never runs).
        """
        with self.db.session() as session:
            stored = session.get(OutboxRow, (entry.kind, entry.id))
            if stored is None or stored.updated_at != entry.updated_at:
                return
            if error is None:
                session.delete(stored)
                return
            stored.error = error
            session.add(stored)
            if entry.kind != "monitor":
                return
            row = MonitorRepository(session).find_by_id(uuid.UUID(entry.id))
            if row is not None and row.cloud:
                row.cloud = False
                session.add(row)

    # -- local results to push ----------------------------------------------------------------

    def results_window(self, first_push_from_ms: int) -> tuple[int | None, int]:
        """Return (push checks from this time, or None: nothing new; the newest log seq)."""
        with self.db.reader() as session:
            conn = dbapi(session)
            top = int(conn.execute("SELECT coalesce(max(seq), 0) FROM write_log").fetchone()[0])
            pushed = get_meta(conn, "pushed_seq")
            if pushed is None:
                return first_push_from_ms, top
            bound = conn.execute(
                "SELECT min(min_checked_at) FROM write_log WHERE seq > ? AND seq <= ?",
                (int(pushed), top),
            ).fetchone()[0]
        return (None if bound is None else int(bound)), top

    def local_results_page(
        self, since_ms: int, after: tuple[int, int] | None, limit: int
    ) -> tuple[list[ResultIn], tuple[int, int] | None]:
        """Return up to limit local results checked at or after since_ms, monitor by monitor,
        after the key (monitor pk, checked_at) a previous page returned; and the next key
        (None: that was all). Each monitor is read along its own primary-key range."""
        page: list[ResultIn] = []
        start_pk, start_ms = after if after is not None else (0, since_ms - 1)
        with self.db.reader() as session:
            conn = dbapi(session)
            monitors = conn.execute(
                "SELECT pk, id FROM monitors WHERE pk >= ? ORDER BY pk", (start_pk,)
            ).fetchall()
            for pk, monitor_id in monitors:
                floor = max(start_ms, since_ms - 1) if pk == start_pk else since_ms - 1
                owner = uuid.UUID(monitor_id)
                rows = conn.execute(
                    "SELECT checked_at, status, status_code, response_ms, error FROM checks"
                    " WHERE monitor_pk = ? AND checked_at > ? AND source = ?"
                    " ORDER BY checked_at LIMIT ?",
                    (pk, floor, LOCAL, limit - len(page)),
                ).fetchall()
                page.extend(_result_in(owner, row) for row in rows)
                if len(page) >= limit:
                    return page, (pk, rows[-1][0])
        return page, None

    def results_pushed(self, top_seq: int) -> None:
        """Record that every result logged up to top_seq is on the server."""
        with self.db.session() as session:
            conn = dbapi(session)
            conn.execute("DELETE FROM write_log WHERE seq <= ?", (top_seq,))
            put_meta(conn, pushed_seq=str(top_seq))

    # -- remote changes pulled ----------------------------------------------------------------

    def apply_remote(
        self,
        changes: list[RemoteMonitor],
        channels: list[RemoteChannel],
        device_id: str,
        cursor: int,
    ) -> tuple[int, list[str]]:
        """Apply pulled monitor and channel changes (last writer wins against queued local
        ones) and store the cursor, in one transaction; return how many changed something
        here and the channels whose keyring secret is stale now."""
        applied = 0
        with self.db.session() as session:
            repo = MonitorRepository(session)
            for change in changes:
                queued = session.get(OutboxRow, ("monitor", str(change.id)))
                if queued is not None and wins(
                    queued.updated_at, device_id, change.updated_at, change.device_id
                ):
                    continue  # ours is newer: the next push sends it
                if queued is not None:
                    session.delete(queued)
                row = repo.find_by_id(change.id)
                if (
                    row is not None
                    and change.device_id == device_id
                    and row.updated_at == change.updated_at
                    and row.cloud == change.cloud
                ):
                    continue  # our own change coming back: nothing new
                if change.deleted or change.spec is None:
                    if row is not None:
                        repo.delete(row, remote=True)
                        applied += 1
                    continue
                spec = change.spec.model_copy(update={"updated_at": change.updated_at})
                row = (
                    repo.save(spec, remote=True)
                    if row
                    else repo.add(spec, remote=True, link_default_channels=False)
                )
                row.cloud = change.cloud
                session.add(row)
                applied += 1
            session.flush()
            # after the monitors: a channel links monitors of this page or earlier ones
            changed, stale = apply_remote_channels(session, channels, device_id)
            put_meta(dbapi(session), cursor=str(cursor))
        return applied + changed, stale

    # -- cloud results pulled -----------------------------------------------------------------

    def save_cloud_results(self, results: list[ResultOut], results_cursor: str) -> int:
        """Store pulled results (the cloud's and other devices', each once, with its rollups,
        under its origin; this device's own never) and the cursor; return how many were new.
        """
        with self.db.session() as session:
            conn = dbapi(session)
            own = get_meta(conn, "device_id")
            pks: dict[str, int] = {
                str(row[0]): int(row[1]) for row in conn.execute("SELECT id, pk FROM monitors")
            }
            sources = _device_codes(conn, results, own)
            rows = [
                (pks[str(r.monitor_id)], to_ms(r.checked_at), sources[r.device_id],
                 STATUS_CODE[Status(r.status)], r.status_code, r.response_time_ms, r.error)
                for r in results
                # a monitor deleted here since: its results go too; this device's own are here
                if str(r.monitor_id) in pks and r.device_id in sources
            ]  # fmt: skip
            inserted: list[Any] = []
            # many rows per statement, and only the new ones come back for the rollups
            for first in range(0, len(rows), INSERT_ROWS_PER_STATEMENT):
                chunk = rows[first : first + INSERT_ROWS_PER_STATEMENT]
                inserted += conn.execute(
                    _INSERT_RETURNING.format(
                        values=", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                    ),
                    tuple(value for row in chunk for value in row),
                ).fetchall()
            _add_rollups(conn, inserted)
            _update_latest(conn, inserted)
            put_meta(conn, results_cursor=results_cursor)
        return len(inserted)


def _device_codes(
    conn: sqlite3.Connection, results: list[ResultOut], own: str | None
) -> dict[str | None, int]:
    """Return the source code of each origin among results (None: the cloud), recording new
    devices and renamed ones; this device's own id is left out (its results are here)."""
    named = {r.device_id: r.origin for r in results if r.device_id is not None}
    if own is not None:
        named.pop(own, None)
    codes: dict[str | None, int] = {None: CLOUD}
    for device_id, name in named.items():
        found = conn.execute(
            "SELECT code, name FROM sync_devices WHERE device_id = ?", (device_id,)
        ).fetchone()
        if found is None:
            found = conn.execute(
                "INSERT INTO sync_devices (code, device_id, name) VALUES"
                " ((SELECT coalesce(max(code) + 1, ?) FROM sync_devices), ?, ?)"
                " RETURNING code, name",
                (FIRST_DEVICE_CODE, device_id, name),
            ).fetchone()
        elif found[1] != name:
            conn.execute("UPDATE sync_devices SET name = ? WHERE code = ?", (name, int(found[0])))
        codes[device_id] = int(found[0])
    return codes


def _add_rollups(conn: sqlite3.Connection, inserted: list[Any]) -> None:
    """Add new checks (rows as _INSERT_RETURNING gives them) to the rollups of their origin."""
    hourly: dict[tuple[int, int, int], Rollup] = {}
    daily: dict[tuple[int, int, int], Rollup] = {}
    for pk, at_ms, source, status, response_ms, _ in inserted:
        seconds = at_ms // 1000
        for table, size in ((hourly, 3600), (daily, 86400)):
            key = (pk, seconds - seconds % size, source)
            table.setdefault(key, Rollup()).add(STATUS_OF[status], response_ms)
    _upsert(conn, UPSERT_HOURLY, hourly)
    _upsert(conn, UPSERT_DAILY, daily)


def _update_latest(conn: sqlite3.Connection, inserted: list[Any]) -> None:
    """Keep each monitor's newest cloud result, and its latest state where no computer's
    view is fresh (see _MIRROR_LATEST), up to date with the new checks."""
    newest: dict[tuple[bool, int], tuple[Any, ...]] = {}  # (from the cloud, pk) -> check
    for row in inserted:
        key = (row[2] == CLOUD, row[0])
        if key not in newest or row[1] > newest[key][1]:
            newest[key] = row
    # other devices' results first: a cloud result then yields to a fresh one of theirs
    for (cloud, pk), (_, at_ms, _, status, response_ms, error) in sorted(newest.items()):
        if cloud:
            conn.execute(
                "UPDATE monitors SET cloud_status = ?, cloud_checked_at = ? WHERE pk = ?"
                " AND (cloud_checked_at IS NULL OR cloud_checked_at < ?)",
                (STATUS_OF[status].value, at_ms, pk, at_ms),
            )
        latest = (STATUS_OF[status].value, at_ms, response_ms, error, pk, at_ms)
        fresh = (at_ms, STALE_INTERVALS, STALE_FLOOR_S, LOCAL, cloud, FIRST_DEVICE_CODE)
        conn.execute(_MIRROR_LATEST, (*latest, *fresh))


def _result_in(owner: uuid.UUID, row: tuple[Any, ...]) -> ResultIn:
    at_ms, status, code, response_ms, error = row
    return ResultIn.model_construct(
        id=result_id(owner, at_ms, Source.LOCAL),
        monitor_id=owner,
        status=STATUS_OF[status].value,
        status_code=code if code is not None and 100 <= code <= 599 else None,
        response_time_ms=response_ms,
        error=error[:500] if error else None,
        checked_at=from_ms(at_ms),
    )


def _upsert(
    conn: sqlite3.Connection, sql: str, rollups: dict[tuple[int, int, int], Rollup]
) -> None:
    rows = [rollup_row(key, rollup) for key, rollup in rollups.items()]
    if rows:
        conn.executemany(sql, rows)
