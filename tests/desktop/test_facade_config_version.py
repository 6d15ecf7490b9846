"""The configuration version: moved by every edit of monitors, channels and links, whoever
writes them, and never by results or deliveries; the probe reads nothing while no one commits."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from desktop.secrets.store import SecretStore
from desktop.services.channels import ChannelService
from desktop.services.monitors import MonitorService
from desktop.storage import config_version
from desktop.storage.channels import record_delivery
from desktop.storage.connection import connect
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository
from desktop.storage.writer import Outcome, write_outcomes
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import MonitorState
from shared.status import Status


@pytest.fixture
def conn(db: Database) -> Iterator[sqlite3.Connection]:
    connection = connect(db.path)
    connection.execute("BEGIN IMMEDIATE")
    config_version.install(connection)
    connection.execute("COMMIT")
    yield connection
    connection.close()


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT version FROM config_version").fetchone()[0])


def committed(conn: sqlite3.Connection, sql: str, *params: object) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(sql, params)
    conn.execute("COMMIT")


def test_adding_editing_pausing_linking_and_removing_each_move_the_version(
    db: Database, conn: sqlite3.Connection
) -> None:
    monitors = MonitorService(db)
    channels = ChannelService(db, SecretStore())
    seen = [version(conn)]
    spec = monitors.add(MonitorSpec(name="Shop", url="https://shop.example/", interval=60))
    seen.append(version(conn))
    monitors.edit(str(spec.id), {"interval": 120})
    seen.append(version(conn))
    monitors.set_active("Shop", False)
    seen.append(version(conn))
    channels.add("hook", "json://127.0.0.1:9/hook")
    seen.append(version(conn))
    monitors.remove("Shop")
    seen.append(version(conn))
    assert seen == sorted(set(seen)), f"some edit did not move the version: {seen}"


def test_results_and_deliveries_do_not_move_the_version(
    db: Database, conn: sqlite3.Connection
) -> None:
    spec = MonitorService(db).add(MonitorSpec(url="https://shop.example/", interval=60))
    ChannelService(db, SecretStore()).add("hook", "json://127.0.0.1:9/hook")
    with db.reader() as session:
        pk = MonitorRepository(session).find(str(spec.id)).pk
    assert pk is not None
    [(channel_pk,)] = conn.execute("SELECT pk FROM alert_channels").fetchall()
    before = version(conn)
    result = CheckResult(
        monitor_id=spec.id, checked_at=datetime.now(UTC), status=Status.UP, response_time_ms=12
    )
    conn.execute("BEGIN IMMEDIATE")
    write_outcomes(conn, [Outcome(pk, result, MonitorState(status=Status.UP), None)])
    record_delivery(
        conn,
        channel_pk=channel_pk,
        monitor_id=str(spec.id),
        event="down",
        attempt=1,
        at=datetime.now(UTC).isoformat(),
        error="refused",
    )
    conn.execute("COMMIT")
    assert conn.execute("SELECT status FROM monitors").fetchone()[0] == "up"
    assert version(conn) == before


def test_installing_again_writes_nothing(db: Database, conn: sqlite3.Connection) -> None:
    again = connect(db.path)
    try:
        again.execute("BEGIN IMMEDIATE")
        config_version.install(again)
        assert again.total_changes == 0
        again.execute("COMMIT")
    finally:
        again.close()


def test_the_probe_answers_none_until_another_connection_commits(
    db: Database, conn: sqlite3.Connection
) -> None:
    probe = config_version.ChangeProbe(db.path)
    try:
        first = probe.poll()
        assert first == version(conn)
        assert probe.poll() is None
        committed(conn, "INSERT INTO settings (key, value) VALUES ('x', '1')")
        assert probe.poll() == first  # something committed, but not configuration
        MonitorService(db).add(MonitorSpec(url="https://shop.example/", interval=60))
        assert probe.poll() == first + 1
        assert probe.poll() is None
    finally:
        probe.close()
