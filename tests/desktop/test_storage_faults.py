"""Storage faults on real SQLite files: a full disk while the single writer is saving (H7).

The disk is made "full" the way SQLite itself sees one: PRAGMA max_page_count capped at the
file's current size on the writer's own connection, so the next page it needs fails with
SQLITE_FULL ("database or disk is full"), exactly the error a full disk gives.
"""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.storage.connection import connect
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository
from desktop.storage.writer import Outcome, ResultWriter
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import MonitorState, Policy, next_state
from shared.status import Status

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# Enough rows to need pages the capped file does not have (a few hundred bytes spare).
BATCH = 600
WAIT = 10.0


class WriterDisk:
    """The writer connection's page cap: fill() makes its database full, free() gives space."""

    def __init__(self, writer: ResultWriter) -> None:
        self._writer = writer
        self._conn: sqlite3.Connection = writer.run_job(lambda conn: conn).result(WAIT)
        self._room: int = self._read("PRAGMA max_page_count")

    def fill(self) -> None:
        """Cap the file at the pages it has now (runs as a job on the writer thread)."""
        self._writer.run_job(
            lambda conn: conn.execute(
                f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}"
            )
        ).result(WAIT)

    def free(self) -> None:
        """Lift the cap; call it on the writer thread (an on_error callback, or a job)."""
        self._conn.execute(f"PRAGMA max_page_count = {self._room}")

    def _read(self, pragma: str) -> int:
        value: int = self._writer.run_job(lambda conn: conn.execute(pragma).fetchone()[0]).result(
            WAIT
        )
        return value


def add_monitor(db: Database) -> tuple[int, MonitorSpec]:
    spec = MonitorSpec(name="site", url="http://127.0.0.1:9/site", interval=60)
    with db.session() as session:
        row = MonitorRepository(session).add(spec)
        assert row.pk is not None
        return row.pk, spec


def up_outcomes(pk: int, spec: MonitorSpec, count: int) -> list[Outcome]:
    state = MonitorState()
    outcomes = []
    for index in range(count):
        result = CheckResult(
            spec.id, Status.UP, T0 + timedelta(seconds=10 * index), 200, 100 + index % 50
        )
        state, flip = next_state(state, result, Policy())
        outcomes.append(Outcome(pk, result, state, flip))
    return outcomes


def rows_of(path: Path, pk: int) -> tuple[int, int, int | None]:
    """(checks rows, results counted in hourly rollups, monitor's last_checked_at) for pk."""
    conn = connect(path)
    try:
        checks = conn.execute("SELECT count(*) FROM checks WHERE monitor_pk = ?", (pk,))
        rolled = conn.execute(
            "SELECT coalesce(sum(up + degraded + down + unknown), 0) FROM rollups_hourly"
            " WHERE monitor_pk = ?",
            (pk,),
        )
        last = conn.execute("SELECT last_checked_at FROM monitors WHERE pk = ?", (pk,))
        return checks.fetchone()[0], rolled.fetchone()[0], last.fetchone()[0]
    finally:
        conn.close()


def test_a_full_disk_is_reported_as_full_saves_nothing_of_the_batch_and_the_writer_saves_it_once_space_returns(  # noqa: E501
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """H7: SQLITE_FULL mid-batch -> "database or disk is full" reaches on_error and the log
    (not a secondary "cannot rollback" error), none of the batch's rows exist, and the same
    writer thread saves the whole batch when the disk has room again."""
    pk, spec = add_monitor(db)
    errors: list[str] = []
    seen_at_error: list[tuple[int, int, int | None]] = []
    disk: WriterDisk | None = None

    def on_error(message: str) -> None:
        # on the writer thread, after its rollback: what a reader sees now, then room again
        errors.append(message)
        seen_at_error.append(rows_of(db.path, pk))
        if disk is not None:
            disk.free()

    writer = ResultWriter(db.path, linger=0.01, on_error=on_error)
    writer.start()
    try:
        disk = WriterDisk(writer)
        disk.fill()
        outcomes = up_outcomes(pk, spec, BATCH)
        for outcome in outcomes:
            writer.submit(outcome)
        writer.flush().result(WAIT)
    finally:
        writer.close()

    assert errors == [f"could not save {BATCH} results: database or disk is full"]
    assert seen_at_error == [(0, 0, None)]
    assert any(
        record.levelno == logging.ERROR
        and record.name == "desktop.storage.writer"
        and "database or disk is full" in record.getMessage()
        for record in caplog.records
    )
    last_ms = int(outcomes[-1].result.checked_at.timestamp() * 1000)
    assert rows_of(db.path, pk) == (BATCH, BATCH, last_ms)
    assert writer.committed == BATCH


def test_a_job_that_meets_a_full_disk_fails_alone_and_the_writer_takes_the_next_work(
    db: Database,
) -> None:
    """H7: a write job hitting SQLITE_FULL gets "database or disk is full" on its future with
    none of its rows kept; the writer goes on, and saves results once the disk has room."""
    pk, spec = add_monitor(db)
    writer = ResultWriter(db.path, linger=0.01)
    writer.start()
    try:
        disk = WriterDisk(writer)
        disk.fill()
        too_big = writer.run_job(
            lambda conn: conn.executemany(
                "INSERT INTO write_log (min_checked_at) VALUES (?)",
                [(index,) for index in range(5000)],
            )
        )
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            too_big.result(WAIT)
        reader = connect(db.path)
        assert reader.execute("SELECT count(*) FROM write_log").fetchone()[0] == 0
        reader.close()
        writer.run_job(lambda _conn: disk.free()).result(WAIT)
        for outcome in up_outcomes(pk, spec, BATCH):
            writer.submit(outcome)
        writer.flush().result(WAIT)
    finally:
        writer.close()

    assert rows_of(db.path, pk)[:2] == (BATCH, BATCH)
    assert writer.committed == BATCH
