"""SQLite storage: pragmas, migrations, the batching writer, rollups, incidents, retention."""

import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.errors import StorageError
from desktop.storage import migrations
from desktop.storage.connection import connect
from desktop.storage.database import Database, dbapi
from desktop.storage.history import incidents, prune, recent_checks, uptime_by_monitor
from desktop.storage.monitors import MonitorRepository
from desktop.storage.writer import Outcome, ResultWriter
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import MonitorState, Policy, next_state
from shared.state_codec import load_state
from shared.status import Status

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def add_monitor(db: Database, name: str = "site") -> tuple[int, MonitorSpec]:
    spec = MonitorSpec(name=name, url=f"http://127.0.0.1:9/{name}", interval=60)
    with db.session() as session:
        row = MonitorRepository(session).add(spec)
        assert row.pk is not None
        return row.pk, spec


def outcomes_for(
    pk: int, spec: MonitorSpec, statuses: list[Status], start: datetime = T0
) -> list[Outcome]:
    state = MonitorState()
    out = []
    for index, status in enumerate(statuses):
        result = CheckResult(
            spec.id,
            status,
            start + timedelta(seconds=60 * index),
            status_code=200 if status == Status.UP else 500,
            response_time_ms=100 + index if status != Status.DOWN else None,
            error=None if status == Status.UP else "expected 200-299, got 500",
        )
        state, flip = next_state(state, result, Policy())
        out.append(Outcome(pk, result, state, flip))
    return out


def write(db: Database, outcomes: list[Outcome]) -> ResultWriter:
    writer = ResultWriter(db.path, linger=0.01)
    writer.start()
    for outcome in outcomes:
        writer.submit(outcome)
    assert writer.flush().result(timeout=10)
    writer.close()
    return writer


def test_every_connection_has_the_durability_pragmas(db: Database) -> None:
    """WAL, synchronous NORMAL, busy_timeout >= 5000, foreign keys on, for every path."""
    raw = connect(db.path)
    with db.session() as session:
        orm = dbapi(session)
        for conn in (raw, orm):
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    raw.close()


def test_a_new_file_gets_the_latest_schema(db: Database) -> None:
    conn = connect(db.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"monitors", "checks", "rollups_hourly", "rollups_daily", "incidents"} <= tables
    assert {"alert_channels", "monitor_channels", "deliveries"} <= tables
    conn.close()


def test_reopening_an_existing_file_keeps_its_data(db: Database) -> None:
    add_monitor(db)
    again = Database(db.path)
    with again.reader() as session:
        assert MonitorRepository(session).count() == 1
    again.close()


def test_a_file_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 5}")
    conn.close()
    with pytest.raises(StorageError, match="newer Upwatch"):
        Database(path)
    assert (
        sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST + 5
    )


def test_an_interrupted_migration_leaves_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that fails half way is rolled back whole."""
    path = tmp_path / "old.sqlite3"
    Database(path).close()
    released = migrations.LATEST
    broken = ["CREATE TABLE added_in_v2 (x INTEGER)", "THIS IS NOT SQL"]
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, broken])
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    with pytest.raises(StorageError):
        Database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == released
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "added_in_v2" not in names


def test_the_writer_stores_checks_state_and_rollups(db: Database) -> None:
    pk, spec = add_monitor(db)
    outcomes = outcomes_for(pk, spec, [Status.UP, Status.UP, Status.DEGRADED, Status.DOWN])
    writer = write(db, outcomes)
    assert writer.committed == 4
    conn = connect(db.path)
    checks = recent_checks(conn, pk, spec.id, limit=10)
    assert [c.status for c in checks] == [Status.DOWN, Status.DEGRADED, Status.UP, Status.UP]
    assert checks[-1].id == outcomes[0].result.id
    rollup = uptime_by_monitor(conn, timedelta(days=1), T0 + timedelta(minutes=5))[pk]
    assert (rollup.up, rollup.degraded, rollup.down) == (2, 1, 1)
    assert rollup.uptime == pytest.approx(75.0)
    row = conn.execute(
        "SELECT status, state, last_error FROM monitors WHERE pk = ?", (pk,)
    ).fetchone()
    assert row[0] == "up"  # one failure is not confirmed
    assert load_state(row[1]) == outcomes[-1].state
    assert row[2] == "expected 200-299, got 500"
    conn.close()


def test_incidents_open_on_down_and_close_on_recovery(db: Database) -> None:
    pk, spec = add_monitor(db)
    statuses = [Status.UP, Status.DOWN, Status.DOWN, Status.DOWN, Status.UP]
    write(db, outcomes_for(pk, spec, statuses))
    conn = connect(db.path)
    [incident] = incidents(conn, pk)
    assert incident.started_at == T0 + timedelta(seconds=60)
    assert incident.ended_at == T0 + timedelta(seconds=240)
    assert incident.first_error == "expected 200-299, got 500"
    conn.close()


def test_a_duplicate_result_is_stored_once(db: Database) -> None:
    pk, spec = add_monitor(db)
    outcomes = outcomes_for(pk, spec, [Status.UP])
    write(db, outcomes + outcomes)
    conn = connect(db.path)
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 1
    conn.close()


def test_deleting_a_monitor_deletes_its_history(db: Database) -> None:
    pk, spec = add_monitor(db)
    write(db, outcomes_for(pk, spec, [Status.UP, Status.DOWN, Status.DOWN]))
    with db.session() as session:
        repo = MonitorRepository(session)
        repo.delete(repo.find("site"))
    conn = connect(db.path)
    for table in ("checks", "rollups_hourly", "rollups_daily", "incidents"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    conn.close()


def test_retention_drops_old_raw_checks_and_keeps_rollups(db: Database) -> None:
    pk, spec = add_monitor(db)
    old = outcomes_for(pk, spec, [Status.UP] * 3, start=T0 - timedelta(days=40))
    new = outcomes_for(pk, spec, [Status.UP] * 2, start=T0 - timedelta(days=1))
    write(db, old + new)
    conn = connect(db.path)
    conn.execute("BEGIN IMMEDIATE")
    deleted = prune(conn, T0, raw_days=30, hourly_days=90, daily_days=730)
    conn.execute("COMMIT")
    assert deleted == 3
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 2
    assert conn.execute("SELECT sum(up) FROM rollups_daily").fetchone()[0] == 5
    conn.close()


def test_a_write_waits_for_another_writer_instead_of_failing(db: Database) -> None:
    """Read-then-write from two connections: BEGIN IMMEDIATE waits, never 'locked'."""
    holder = connect(db.path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("SELECT count(*) FROM monitors").fetchone()
    holder.execute("UPDATE monitors SET name = name")

    def release() -> None:
        time.sleep(0.5)
        holder.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    started = time.monotonic()
    with db.session() as session:
        repo = MonitorRepository(session)
        assert repo.count() == 0
        repo.add(MonitorSpec(url="http://127.0.0.1:9/", interval=60))
    assert time.monotonic() - started >= 0.4
    thread.join()
    holder.close()


def test_readers_and_the_writer_work_side_by_side(db: Database) -> None:
    """GUI-like reads while the writer commits: no errors, no lost rows."""
    pk, spec = add_monitor(db)
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        conn = connect(db.path)
        while not stop.is_set():
            try:
                uptime_by_monitor(conn, timedelta(days=30), T0)
                recent_checks(conn, pk, spec.id)
            except sqlite3.Error as exc:
                errors.append(exc)
        conn.close()

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    writer = ResultWriter(db.path, linger=0.005)
    writer.start()
    total = 3000
    for index in range(total):
        result = CheckResult(spec.id, Status.UP, T0 + timedelta(milliseconds=index * 10))
        writer.submit(Outcome(pk, result, MonitorState()))
    assert writer.flush().result(timeout=30)
    writer.close()
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    conn = connect(db.path)
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == total
    conn.close()


def test_writer_jobs_run_in_their_own_transaction(db: Database) -> None:
    writer = ResultWriter(db.path)
    writer.start()
    future = writer.run_job(
        lambda conn: conn.execute("SELECT count(*) FROM monitors").fetchone()[0]
    )
    assert future.result(timeout=5) == 0
    failing = writer.run_job(lambda conn: conn.execute("NOT SQL"))
    with pytest.raises(sqlite3.Error):
        failing.result(timeout=5)
    writer.close()


def test_monitor_ids_can_be_found_by_prefix_or_name(db: Database) -> None:
    _, spec = add_monitor(db, "api")
    with db.reader() as session:
        repo = MonitorRepository(session)
        assert repo.find(str(spec.id)[:6]).name == "api"
        assert repo.find("api").id == str(spec.id)
        assert repo.find(str(spec.id).upper()).name == "api"
    assert uuid.UUID(str(spec.id))


def test_a_result_for_a_monitor_deleted_meanwhile_does_not_sink_the_batch(db: Database) -> None:
    pk_gone, gone = add_monitor(db, "gone")
    pk_kept, kept = add_monitor(db, "kept")
    with db.session() as session:
        repo = MonitorRepository(session)
        repo.delete(repo.find("gone"))
    write(db, outcomes_for(pk_gone, gone, [Status.UP]) + outcomes_for(pk_kept, kept, [Status.UP]))
    conn = connect(db.path)
    assert conn.execute("SELECT monitor_pk FROM checks").fetchall() == [(pk_kept,)]
    conn.close()
