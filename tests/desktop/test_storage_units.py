"""Storage's one shape: statements run on the unit of work's connection, never their own.

Every read goes through Database.reader(), every change through Database.session() (or the
result writer's thread), so a change commits or rolls back whole; services get repositories,
never a connection.
"""

import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.storage.connection import connect
from desktop.storage.database import Database, dbapi
from desktop.storage.history import HistoryRepository
from desktop.storage.manual_checks import record_manual_checks
from desktop.storage.meta import get_meta, put_meta
from desktop.storage.monitors import MonitorRepository
from desktop.storage.settings import SettingsRepository
from desktop.storage.sync_store import SyncStore
from desktop.storage.tables import ChannelRow
from desktop.storage.writer import ResultWriter
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.status import Status

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DESKTOP = Path(__file__).resolve().parents[2] / "desktop"


def add_monitor(
    db: Database, name: str = "site", *, active: bool = True
) -> tuple[int, MonitorSpec]:
    spec = MonitorSpec(name=name, url=f"http://127.0.0.1:9/{name}", interval=60, is_active=active)
    with db.session() as session:
        row = MonitorRepository(session).add(spec)
        assert row.pk is not None
        return row.pk, spec


def read(db: Database, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = connect(db.path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def write_then_fail(db: Database) -> None:
    with db.session() as session:
        put_meta(dbapi(session), server="https://cloud.example.com")
        assert dbapi(session).in_transaction
        raise RuntimeError("the unit of work fails after the write")


def test_a_statement_on_the_unit_of_work_rolls_back_with_it(db: Database) -> None:
    with pytest.raises(RuntimeError, match="fails after the write"):
        write_then_fail(db)
    assert read(db, "SELECT count(*) FROM sync_meta") == [(0,)]


def test_the_unit_of_work_holds_the_write_lock_from_its_first_statement(db: Database) -> None:
    """BEGIN IMMEDIATE: a second writer waits instead of reading a snapshot it cannot upgrade."""
    other = connect(db.path)
    other.execute("PRAGMA busy_timeout = 0")
    with db.session() as session:
        get_meta(dbapi(session), "server")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.close()


def test_sync_meta_stores_replaces_and_removes_a_key(db: Database) -> None:
    store = SyncStore(db)
    store.set(server="https://a.example.com", email="alice@example.com")
    store.set(server="https://b.example.com", email=None)
    assert store.get("server") == "https://b.example.com"
    assert store.get("email") is None
    assert read(db, "SELECT key, value FROM sync_meta") == [("server", "https://b.example.com")]


def test_results_pushed_moves_the_cursor_and_trims_the_log_together(db: Database) -> None:
    conn = connect(db.path)
    conn.executemany("INSERT INTO write_log (min_checked_at) VALUES (?)", [(1,), (2,), (3,)])
    conn.close()
    store = SyncStore(db)
    store.results_pushed(2)
    assert store.get("pushed_seq") == "2"
    assert read(db, "SELECT seq FROM write_log") == [(3,)]
    assert store.results_window(0) == (3, 3)


def test_a_check_by_hand_shows_its_status_and_leaves_the_alert_state(db: Database) -> None:
    pk, spec = add_monitor(db, "active")
    paused_pk, paused = add_monitor(db, "paused", active=False)
    gone = MonitorSpec(name="gone", url="http://127.0.0.1:9/gone", interval=60)
    results = [CheckResult(s.id, Status.DOWN, T0, error="refused") for s in (spec, paused, gone)]
    with db.session() as session:
        assert record_manual_checks(session, results) == 2
    assert read(db, "SELECT pk, status, state FROM monitors ORDER BY pk") == [
        (pk, "down", None),
        (paused_pk, "paused", None),
    ]
    assert read(db, "SELECT count(*) FROM checks") == [(2,)]
    assert read(db, "SELECT count(*) FROM incidents") == [(0,)]
    with db.reader() as session:
        [check] = HistoryRepository(session).recent_checks(pk, spec.id)
    assert (check.status, check.error) == (Status.DOWN, "refused")


def test_history_reads_run_in_the_readers_session(db: Database) -> None:
    pk, spec = add_monitor(db)
    with db.session() as session:
        record_manual_checks(session, [CheckResult(spec.id, Status.UP, T0, response_time_ms=80)])
    with db.reader() as session:
        history = HistoryRepository(session)
        rollup = history.uptime_by_monitor(timedelta(days=1), T0 + timedelta(minutes=1))[pk]
        assert (rollup.up, rollup.uptime) == (1, 100.0)
        assert [day for day, _ in history.daily_rollups(pk, 90, T0)] == [
            datetime(2026, 11, 26, tzinfo=UTC)
        ]
        assert history.incidents(pk) == []
        assert history.incidents_between(T0 - timedelta(days=1), T0) == {}


def test_settings_round_trip_through_units_of_work(db: Database) -> None:
    with db.reader() as session:
        assert SettingsRepository(session).load() == {}
    changed = {"desktop_notifications": False, "raw_retention_days": 7, "concurrency": 8}
    with db.session() as session:
        SettingsRepository(session).save(changed)
    with db.reader() as session:
        assert SettingsRepository(session).load() == changed


def test_the_writer_records_deliveries_and_prunes_on_its_own_thread(db: Database) -> None:
    pk, spec = add_monitor(db)
    with db.session() as session:
        session.add(
            channel := ChannelRow(
                id=str(uuid.uuid4()), name="hook", kind="json", target="json://127.0.0.1",
                created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
        session.flush()
        channel_pk = channel.pk
    assert channel_pk is not None
    old = T0 - timedelta(days=40)
    with db.session() as session:
        record_manual_checks(session, [CheckResult(spec.id, Status.UP, old)])
    writer = ResultWriter(db.path)
    writer.start()
    try:
        failed = writer.record_delivery(
            channel_pk=channel_pk, monitor_id=str(spec.id), event="down", attempt=1,
            at=old, error="HTTP 500",
        )  # fmt: skip
        failed.result(timeout=5)
        assert read(db, "SELECT failures, last_error FROM alert_channels") == [(1, "HTTP 500")]
        sent = writer.record_delivery(
            channel_pk=channel_pk, monitor_id=str(spec.id), event="down", attempt=2,
            at=T0, error=None,
        )  # fmt: skip
        sent.result(timeout=5)
        assert read(db, "SELECT failures FROM alert_channels") == [(0,)]
        pruned = writer.prune(T0, raw_days=30, hourly_days=90, daily_days=730)
        assert pruned.result(timeout=5) == 1
    finally:
        writer.close()
    assert read(db, "SELECT attempt, ok FROM deliveries") == [(2, 1)]
    assert read(db, "SELECT count(*) FROM checks WHERE monitor_pk = ?", pk) == [(0,)]


def test_the_database_reports_its_schema_and_journal(db: Database) -> None:
    version, journal = db.schema_state()
    assert version == read(db, "PRAGMA user_version")[0][0]
    assert journal == "wal"


@pytest.mark.parametrize("reach", ["driver_connection", "exec_driver_sql", r"\.raw\(\)"])
def test_only_the_database_module_reaches_the_driver_under_a_session(reach: str) -> None:
    """Storage modules get the connection of their unit of work from one function."""
    found = [
        str(path.relative_to(DESKTOP.parent))
        for path in sorted(DESKTOP.rglob("*.py"))
        if re.search(reach, path.read_text(encoding="utf-8")) and path.name != "database.py"
    ]
    # the settings service still opens its own connection (its file moves to the repository)
    assert [p for p in found if p != "desktop/services/settings.py"] == []
