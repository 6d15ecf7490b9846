"""The single writer: one thread owns the write connection and commits results in batches."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.storage.channels import record_delivery
from desktop.storage.codes import SOURCE_CODE, STATUS_CODE
from desktop.storage.connection import connect
from desktop.storage.history import HISTOGRAM_COLUMNS, prune
from shared.result import CheckResult, Source, to_ms
from shared.state import Flip, MonitorState
from shared.state_codec import dump_state
from shared.status import Status
from shared.uptime import DAY_S, HOUR_S, ROLLUP_COLUMNS, SUMMED_COLUMNS, Rollup

log = logging.getLogger(__name__)

MAX_BATCH = 2000
# Seconds between the tries of a batch that failed (locked, disk full, I/O error): five tries
# over ~15 s, then the batch is dropped (counted in ResultWriter.dropped) and a flush says so.
RETRY_WAITS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)


def _upsert_sql(table: str) -> str:
    cols = ["monitor_pk", "bucket", "source", *ROLLUP_COLUMNS, *HISTOGRAM_COLUMNS]
    sums = [*SUMMED_COLUMNS, *HISTOGRAM_COLUMNS]
    updates = [f"{c} = {c} + excluded.{c}" for c in sums]
    updates.append("rt_min = coalesce(min(rt_min, excluded.rt_min), rt_min, excluded.rt_min)")
    updates.append("rt_max = coalesce(max(rt_max, excluded.rt_max), rt_max, excluded.rt_max)")
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
        f" ON CONFLICT (monitor_pk, bucket, source) DO UPDATE SET {', '.join(updates)}"
    )


INSERT_CHECK = (
    "INSERT OR IGNORE INTO checks"
    " (monitor_pk, checked_at, source, status, status_code, response_ms, error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_MONITOR = (
    "UPDATE monitors SET status = ?, state = ?, last_checked_at = ?, last_response_ms = ?,"
    " last_error = ? WHERE pk = ?"
)
_UPDATE_LAST_RESULT = (
    "UPDATE monitors SET last_checked_at = ?, last_response_ms = ?, last_error = ? WHERE pk = ?"
)
UPSERT_HOURLY = _upsert_sql("rollups_hourly")
UPSERT_DAILY = _upsert_sql("rollups_daily")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One check as the runner hands it to the writer: result, new state and any flip."""

    monitor_pk: int
    result: CheckResult
    state: MonitorState | None  # None: record the result only, leave the alert state alone
    flip: Flip | None = None


Job = Callable[[sqlite3.Connection], Any]


@dataclass(slots=True)
class _JobItem:
    job: Job
    future: Future[Any]


@dataclass(slots=True)
class _Barrier:
    future: Future[bool]


_STOP = object()


class ResultWriter:
    """Owns the write connection in a thread; results are queued and committed in batches.

    A result is durable once on_commit has been called with it (or a flush() gave True).
    on_error (and each of error_observers) gets a message for every failed try and one when
    a batch is given up; the callbacks run on the writer thread. retry_waits and sleep are
    injectable so tests never wait.
    """

    def __init__(
        self,
        path: Path,
        *,
        linger: float = 0.25,
        on_commit: Callable[[list[Outcome]], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        retry_waits: Sequence[float] = RETRY_WAITS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._path = path
        self._linger = linger
        self._on_commit = on_commit
        self.error_observers: list[Callable[[str], None]] = [on_error] if on_error else []
        self._retry_waits = tuple(retry_waits)
        self._sleep = sleep
        self.dropped = 0  # results given up after every try failed
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="upwatch-writer", daemon=True)
        self.committed = 0
        self._started = False

    def start(self) -> None:
        """Start the writer thread."""
        if not self._started:
            self._started = True
            self._thread.start()

    def submit(self, outcome: Outcome) -> None:
        """Queue one outcome for the next batch (never blocks)."""
        self._queue.put(outcome)

    def run_job(self, job: Job) -> Future[Any]:
        """Run job(conn) inside a write transaction on the writer thread; return its future."""
        future: Future[Any] = Future()
        self._queue.put(_JobItem(job, future))
        return future

    def record_delivery(
        self,
        *,
        channel_pk: int,
        monitor_id: str,
        event: str,
        attempt: int,
        at: datetime,
        error: str | None,
    ) -> Future[None]:
        """Log one alert delivery attempt and the channel's health (error None: delivered)."""
        return self.run_job(
            lambda conn: record_delivery(
                conn,
                channel_pk=channel_pk,
                monitor_id=monitor_id,
                event=event,
                attempt=attempt,
                at=at.isoformat(),
                error=error,
            )
        )

    def prune(
        self, now: datetime, *, raw_days: int, hourly_days: int, daily_days: int
    ) -> Future[int]:
        """Delete checks, rollups and deliveries past their retention at now; the future
        gives how many checks were deleted."""
        return self.run_job(
            lambda conn: prune(
                conn, now, raw_days=raw_days, hourly_days=hourly_days, daily_days=daily_days
            )
        )

    def flush(self) -> Future[bool]:
        """Return a future that completes when everything queued so far has been handled:
        True when all of it is committed, False when results were given up (dropped after
        every try failed) since this writer started; dropped counts them."""
        future: Future[bool] = Future()
        self._queue.put(_Barrier(future))
        return future

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is queued and stop the thread."""
        if not self._started:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        conn = connect(self._path, check_same_thread=True)
        try:
            stopping = False
            while not stopping:
                first = self._queue.get()
                items = [first]
                deadline = time.monotonic() + self._linger
                while len(items) < MAX_BATCH and first is not _STOP:
                    remaining = deadline - time.monotonic()
                    try:
                        item = self._queue.get(timeout=remaining) if remaining > 0 else None
                    except queue.Empty:
                        item = None
                    if item is None:
                        break
                    items.append(item)
                    if item is _STOP or isinstance(item, _Barrier | _JobItem):
                        break
                stopping = any(item is _STOP for item in items)
                self._process(conn, items)
        finally:
            conn.close()

    def _process(self, conn: sqlite3.Connection, items: list[object]) -> None:
        outcomes = [item for item in items if isinstance(item, Outcome)]
        if outcomes:
            self._commit_outcomes(conn, outcomes)
        for item in items:
            if isinstance(item, _JobItem):
                self._run_job(conn, item)
            elif isinstance(item, _Barrier):
                item.future.set_result(self.dropped == 0)

    def _commit_outcomes(self, conn: sqlite3.Connection, outcomes: list[Outcome]) -> None:
        tries = len(self._retry_waits) + 1
        for attempt in range(tries):
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    write_outcomes(conn, outcomes)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
            except sqlite3.Error as exc:
                message = f"could not save {len(outcomes)} results: {exc}"
                log.error("%s (attempt %d)", message, attempt + 1)
                self._report(message)
                if attempt < len(self._retry_waits):
                    self._sleep(self._retry_waits[attempt])
                continue
            self.committed += len(outcomes)
            if self._on_commit is not None:
                try:
                    self._on_commit(outcomes)
                except Exception:  # an observer must not stop the writer
                    log.exception("on_commit observer failed")
            return
        self.dropped += len(outcomes)
        message = f"gave up saving {len(outcomes)} results after {tries} tries; they are lost"
        log.error("%s", message)
        self._report(message)

    def _report(self, message: str) -> None:
        for observer in list(self.error_observers):
            try:
                observer(message)
            except Exception:  # an observer must not stop the writer
                log.exception("on_error observer failed")

    def _run_job(self, conn: sqlite3.Connection, item: _JobItem) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                value = item.job(conn)
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        except Exception as exc:  # handed to whoever waits on the job
            item.future.set_exception(exc)
        else:
            item.future.set_result(value)


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite has already rolled back after SQLITE_FULL (also IOERR, NOMEM, BUSY): a second
    # ROLLBACK would raise "no transaction is active" and hide "database or disk is full".
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def write_outcomes(conn: sqlite3.Connection, outcomes: list[Outcome]) -> None:
    """Write checks, rollups, monitor state and incidents for outcomes (caller commits).

    Outcomes of monitors deleted while their check ran are dropped, not allowed to fail
    the whole batch on the foreign key.
    """
    pks = sorted({outcome.monitor_pk for outcome in outcomes})
    marks = ",".join("?" * len(pks))
    existing = {
        row[0]
        for row in conn.execute(f"SELECT pk FROM monitors WHERE pk IN ({marks})", pks)  # noqa: S608
    }
    outcomes = [outcome for outcome in outcomes if outcome.monitor_pk in existing]
    checks: list[tuple[Any, ...]] = []
    hourly: dict[tuple[int, int, int], Rollup] = {}
    daily: dict[tuple[int, int, int], Rollup] = {}
    latest: dict[int, Outcome] = {}
    for outcome in outcomes:
        result = outcome.result
        at_ms = to_ms(result.checked_at)
        source = SOURCE_CODE[result.source]
        checks.append(
            (
                outcome.monitor_pk,
                at_ms,
                source,
                STATUS_CODE[result.status],
                result.status_code,
                result.response_time_ms,
                result.error,
            )
        )
        seconds = at_ms // 1000
        for table, size in ((hourly, HOUR_S), (daily, DAY_S)):
            key = (outcome.monitor_pk, seconds - seconds % size, source)
            rollup = table.get(key)
            if rollup is None:
                rollup = table[key] = Rollup()
            rollup.add(result.status, result.response_time_ms)
        latest[outcome.monitor_pk] = outcome
    conn.executemany(INSERT_CHECK, checks)
    local = [row[1] for row in checks if row[2] == SOURCE_CODE[Source.LOCAL]]
    if local:
        conn.execute("INSERT INTO write_log (min_checked_at) VALUES (?)", (min(local),))
    conn.executemany(UPSERT_HOURLY, [rollup_row(k, r) for k, r in hourly.items()])
    conn.executemany(UPSERT_DAILY, [rollup_row(k, r) for k, r in daily.items()])
    conn.executemany(
        _UPDATE_MONITOR, [_monitor_row(o) for o in latest.values() if o.state is not None]
    )
    conn.executemany(
        _UPDATE_LAST_RESULT,
        [
            (to_ms(o.result.checked_at), o.result.response_time_ms, o.result.error, o.monitor_pk)
            for o in latest.values()
            if o.state is None
        ],
    )
    for outcome in outcomes:
        if outcome.flip is not None and not outcome.flip.reminder:
            _record_incident(conn, outcome.monitor_pk, outcome.flip, outcome.result)


def rollup_row(key: tuple[int, int, int], rollup: Rollup) -> tuple[Any, ...]:
    """Return the upsert's parameters: (monitor_pk, bucket, source), the figures in
    ROLLUP_COLUMNS order, then the histogram's buckets."""
    return (*key, *rollup.columns(), *rollup.histogram)


def _monitor_row(outcome: Outcome) -> tuple[Any, ...]:
    result = outcome.result
    assert outcome.state is not None
    return (
        outcome.state.status.value,
        dump_state(outcome.state),
        to_ms(result.checked_at),
        result.response_time_ms,
        result.error,
        outcome.monitor_pk,
    )


def _record_incident(
    conn: sqlite3.Connection, monitor_pk: int, flip: Flip, result: CheckResult
) -> None:
    source = SOURCE_CODE[result.source]
    if flip.previous == Status.DOWN:
        conn.execute(
            "UPDATE incidents SET ended_at = ? WHERE monitor_pk = ? AND source = ?"
            " AND ended_at IS NULL",
            (flip.at.isoformat(), monitor_pk, source),
        )
    if flip.current == Status.DOWN:
        started = flip.incident_started_at or flip.at
        conn.execute(
            "INSERT INTO incidents (id, monitor_pk, source, started_at, first_error)"
            " VALUES (?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), monitor_pk, source, started.isoformat(), flip.error),
        )
