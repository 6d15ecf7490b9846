"""Storage faults on real SQLite files: a full disk while the single writer is saving,
and a damaged database file moved aside at start.

The disk is made "full" the way SQLite itself sees one: PRAGMA max_page_count capped at the
file's current size on the writer's own connection, so the next page it needs fails with
SQLITE_FULL ("database or disk is full"), exactly the error a full disk gives.
"""

import logging
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.config import DB_FILE
from desktop.errors import StorageError
from desktop.storage import migrations
from desktop.storage.connection import connect
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository
from desktop.storage.recovery import move_aside
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
    """SQLITE_FULL mid-batch -> "database or disk is full" reaches on_error and the log
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
        assert writer.flush().result(WAIT)
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
    """A write job hitting SQLITE_FULL gets "database or disk is full" on its future with
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
        assert writer.flush().result(WAIT)
    finally:
        writer.close()

    assert rows_of(db.path, pk)[:2] == (BATCH, BATCH)
    assert writer.committed == BATCH


def test_a_batch_that_fails_every_try_is_given_up_and_flush_says_so(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """With the disk full through every try, the writer waits the injected times (never
    sleeping), gives the batch up, reports it, counts it in dropped, and flush() gives False
    rather than claiming the results are saved; later results are saved once there is room,
    and flush keeps saying results were lost."""
    pk, spec = add_monitor(db)
    waits: list[float] = []
    errors: list[str] = []
    writer = ResultWriter(
        db.path, linger=0.01, on_error=errors.append, retry_waits=(3.0, 7.0), sleep=waits.append
    )
    writer.start()
    try:
        disk = WriterDisk(writer)
        disk.fill()
        for outcome in up_outcomes(pk, spec, BATCH):
            writer.submit(outcome)
        saved = writer.flush().result(WAIT)
        lost = rows_of(db.path, pk)
        writer.run_job(lambda _conn: disk.free()).result(WAIT)
        later = up_outcomes(pk, spec, BATCH + 5)[BATCH:]
        for outcome in later:
            writer.submit(outcome)
        saved_after = writer.flush().result(WAIT)
    finally:
        writer.close()

    assert saved is False
    assert waits == [3.0, 7.0]
    full = f"could not save {BATCH} results: database or disk is full"
    assert errors == [
        full,
        full,
        full,
        f"gave up saving {BATCH} results after 3 tries; they are lost",
    ]
    assert any("they are lost" in record.getMessage() for record in caplog.records)
    assert lost == (0, 0, None)
    assert (writer.dropped, writer.committed) == (BATCH, 5)
    assert rows_of(db.path, pk)[:2] == (5, 5)
    assert saved_after is False


def test_a_flush_with_nothing_lost_gives_true(db: Database) -> None:
    pk, spec = add_monitor(db)
    writer = ResultWriter(db.path, linger=0.01, sleep=pytest.fail)
    writer.start()
    try:
        for outcome in up_outcomes(pk, spec, 3):
            writer.submit(outcome)
        assert writer.flush().result(WAIT) is True
    finally:
        writer.close()
    assert writer.dropped == 0


def test_a_migration_error_after_which_sqlite_rolled_back_itself_is_reported_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When SQLite has already ended the transaction (as after SQLITE_FULL in a big
    write; here a trigger's RAISE(ROLLBACK) does it on cue), the migration error says what
    happened, not "cannot rollback - no transaction is active", and user_version stays."""
    path = tmp_path / "old.sqlite3"
    Database(path).close()
    released = migrations.LATEST
    aborts = [
        "CREATE TABLE added_in_next (x INTEGER)",
        "CREATE TRIGGER refuse BEFORE INSERT ON added_in_next"
        " BEGIN SELECT RAISE(ROLLBACK, 'refused on purpose'); END",
        "INSERT INTO added_in_next VALUES (1)",
    ]
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, aborts])
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    with pytest.raises(StorageError, match="refused on purpose") as raised:
        Database(path)
    assert "cannot rollback" not in raised.value.message
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == released
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "added_in_next" not in names
    finally:
        conn.close()


# -- a damaged database file -------------------------------------------------------------------


def truncated_database(path: Path) -> bytes:
    """Write a real database with a monitor and 3000 checks to path, cut to half its size;
    return the bytes written."""
    db = Database(path)
    pk, spec = add_monitor(db)
    writer = ResultWriter(path, linger=0.01)
    writer.start()
    for outcome in up_outcomes(pk, spec, 3000):
        writer.submit(outcome)
    assert writer.flush().result(WAIT)
    writer.close()
    db.close()  # the last close checkpoints: everything is in the main file, no -wal left
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path.read_bytes()


def garbage_file(path: Path) -> bytes:
    """Write 16 KiB of random bytes (not an SQLite header) to path; return them."""
    path.write_bytes(random.Random(6).randbytes(16_384))
    return path.read_bytes()


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (truncated_database, "database disk image is malformed"),
        (garbage_file, "file is not a database"),
    ],
    ids=["truncated", "garbage"],
)
def test_a_damaged_file_is_moved_aside_intact_and_a_fresh_database_works(
    tmp_path: Path, damage: object, reason: str
) -> None:
    """A truncated or garbage file -> Database() moves it (its bytes unchanged) to
    <name>.corrupt-<UTC time> beside it, starts a fresh database that takes a monitor, and
    says what happened; a second start moves nothing."""
    path = tmp_path / DB_FILE
    assert callable(damage)
    damaged: bytes = damage(path)
    with pytest.raises(sqlite3.DatabaseError, match=reason):
        connect(path).execute("SELECT count(*) FROM monitors").fetchone()

    db = Database(path)
    try:
        moved = db.moved_aside
        assert moved is not None
        assert moved.original == path
        assert moved.moved_to.parent == tmp_path
        assert moved.moved_to.name.startswith(f"{DB_FILE}.corrupt-")
        assert moved.moved_to.read_bytes() == damaged
        assert set(files_in(tmp_path)) == {DB_FILE, moved.moved_to.name}
        assert reason in moved.message
        assert str(moved.moved_to) in moved.message
        assert "sign in again" in moved.message
        add_monitor(db)
        with db.reader() as session:
            assert [m.name for m in MonitorRepository(session).list_all()] == ["site"]
    finally:
        db.close()

    before = files_in(tmp_path)
    again = Database(path)
    try:
        assert again.moved_aside is None
        with again.reader() as session:
            assert MonitorRepository(session).count() == 1
    finally:
        again.close()
    assert set(files_in(tmp_path)) == set(before)
    assert files_in(tmp_path)[moved.moved_to.name] == damaged


def test_moving_aside_never_overwrites_an_earlier_moved_file(tmp_path: Path) -> None:
    """Two damaged files moved in the same second keep both: the second gets -2, and
    the -wal/-shm beside a damaged file go with it."""
    path = tmp_path / DB_FILE
    at = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
    path.write_bytes(b"first")
    first = move_aside(path, at, "file is not a database")
    path.write_bytes(b"second")
    (tmp_path / f"{DB_FILE}-wal").write_bytes(b"second wal")
    (tmp_path / f"{DB_FILE}-shm").write_bytes(b"second shm")
    second = move_aside(path, at, "file is not a database")

    assert first.moved_to.name == f"{DB_FILE}.corrupt-20261127T090000Z"
    assert second.moved_to.name == f"{DB_FILE}.corrupt-20261127T090000Z-2"
    assert files_in(tmp_path) == {
        first.moved_to.name: b"first",
        second.moved_to.name: b"second",
        f"{second.moved_to.name}-wal": b"second wal",
        f"{second.moved_to.name}-shm": b"second shm",
    }


def test_an_error_that_is_not_damage_moves_nothing(tmp_path: Path) -> None:
    """Only "malformed" and "not a database" move a file: a path SQLite cannot open
    (here a folder) is an error with everything left where it was."""
    path = tmp_path / DB_FILE
    path.mkdir()
    (path / "keep").write_bytes(b"mine")
    with pytest.raises(StorageError, match="unable to open database file"):
        Database(path)
    assert [p.name for p in tmp_path.iterdir()] == [DB_FILE]
    assert (path / "keep").read_bytes() == b"mine"


def test_the_cli_says_on_stderr_once_that_it_moved_a_damaged_database(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`upwatch list` on a garbage file exits 0 with one line on stderr naming the moved
    file; the next command says nothing and moves nothing."""
    damaged = garbage_file(upwatch_home / DB_FILE)

    assert main(["list"]) == 0
    captured = capsys.readouterr()
    [moved_name] = [name for name in files_in(upwatch_home) if ".corrupt-" in name]
    assert (upwatch_home / moved_name).read_bytes() == damaged
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("upwatch: Your Upwatch database was damaged")
    assert str(upwatch_home / moved_name) in captured.err
    assert "upwatch add https://example.com" in captured.out

    assert main(["list"]) == 0
    assert capsys.readouterr().err == ""
    assert [name for name in files_in(upwatch_home) if ".corrupt-" in name] == [moved_name]
