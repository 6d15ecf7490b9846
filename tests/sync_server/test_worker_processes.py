"""Several `upwatch worker` processes on one PostgreSQL: each due check done once, on time,
and a killed worker's monitors taken over when its lease runs out."""

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from sync_server.config import ServerSettings
from sync_server.worker.schedule import next_due, phase
from tests.support.target import TargetServer
from tests.sync_server.conftest import SECRET
from tests.sync_server.rows import insert_monitors, insert_user, monitor_row

INTERVAL = 10
EARLY = timedelta(milliseconds=50)  # uvloop's timers may fire a hair before their time


def add_monitors(db: Engine, count: int, url: str) -> list[uuid.UUID]:
    """count monitors at INTERVAL, due at their first grid point after the workers start."""
    user_id = insert_user(db, "business")
    soon = datetime.now(UTC) + timedelta(seconds=3)
    rows = []
    for _ in range(count):
        monitor_id = uuid.uuid4()
        due = next_due(monitor_id, INTERVAL, soon)
        rows.append(monitor_row(user_id, url, id=monitor_id, interval=INTERVAL, due=due))
    return insert_monitors(db, rows)


def start_worker(settings: ServerSettings, name: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "UPWATCH_DATABASE_URL": settings.database_url,
        "UPWATCH_JWT_SECRET": SECRET,
        "UPWATCH_OUTBOUND_ALLOW": '["127.0.0.1/32"]',
        "UPWATCH_LOG_FORMAT": "text",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.launcher", "worker", "--name", name, "--lease-margin", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def checks_by_monitor(db: Engine) -> dict[uuid.UUID, list[datetime]]:
    found: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    with db.connect() as conn:
        for monitor_id, checked_at in conn.execute(
            text("SELECT monitor_id, checked_at FROM checks ORDER BY checked_at")
        ):
            found[monitor_id].append(checked_at)
    return found


def grid_index(monitor_id: uuid.UUID, checked_at: datetime) -> int:
    """The number of the grid point a check was made for (the nearest: timers fire a hair
    early on uvloop, and a late check is within half an interval of its point)."""
    return round((checked_at.timestamp() - phase(monitor_id, INTERVAL)) / INTERVAL)


def lateness(monitor_id: uuid.UUID, checked_at: datetime) -> float:
    """Seconds since the nearest grid point (a hair below zero when a timer fired early)."""
    half = INTERVAL / 2
    return (checked_at.timestamp() - phase(monitor_id, INTERVAL) + half) % INTERVAL - half


@pytest.mark.slow
def test_three_workers_share_300_monitors_each_check_once_and_on_time(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    ids = add_monitors(db, 300, target.url("status/200"))
    started = datetime.now(UTC)
    workers = [start_worker(settings, f"w{n}") for n in range(3)]
    time.sleep(60)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    outputs = [worker.communicate(timeout=30)[0] for worker in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], outputs
    found = checks_by_monitor(db)
    window_start, window_end = started + timedelta(seconds=10), started + timedelta(seconds=55)
    late = []
    for monitor_id in ids:
        times = found[monitor_id]
        points = [grid_index(monitor_id, t) for t in times]
        assert len(points) == len(set(points)), f"{monitor_id} checked twice: {times}"
        # every grid point inside the window got its check
        point = next_due(monitor_id, INTERVAL, window_start)
        while point < window_end:
            assert any(point - EARLY <= t < point + timedelta(seconds=2) for t in times), (
                monitor_id,
                point,
            )
            point += timedelta(seconds=INTERVAL)
        late += [lateness(monitor_id, t) for t in times if window_start <= t < window_end]
    p99 = statistics.quantiles(late, n=100)[98]
    assert p99 <= 1.0, f"start lateness p99 {p99:.3f} s"
    stored = [int(o.rsplit(": ", 1)[1].split()[0]) for o in outputs if "checks stored" in o]
    assert len(stored) == 3
    assert min(stored) > 0  # all three took part


@pytest.mark.slow
def test_a_killed_workers_monitors_resume_within_one_lease(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    """A kill -9 mid-batch; after its leases (timeout 5 s + margin 2 s) the other takes over."""
    ids = add_monitors(db, 100, target.url("status/200"))
    survivor, victim = start_worker(settings, "survivor"), start_worker(settings, "victim")
    time.sleep(12)
    held = 0
    for _ in range(200):  # kill it while it holds leases, mid-batch
        with db.connect() as conn:
            held = conn.execute(
                text("SELECT count(*) FROM monitors WHERE lease_owner = 'victim'")
            ).scalar_one()
        if held:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    victim_output = victim.stdout.read() if victim.stdout else ""
    killed_at = datetime.now(UTC)
    time.sleep(25)
    survivor.send_signal(signal.SIGTERM)
    survivor.communicate(timeout=30)
    found = checks_by_monitor(db)
    lease = timedelta(seconds=5 + 2 + 2)  # timeout + margin + claim-ahead
    for monitor_id in ids:
        after = [t for t in found[monitor_id] if t > killed_at]
        assert after, f"{monitor_id} never checked after the kill"
        assert after[0] <= killed_at + lease + timedelta(seconds=INTERVAL + 1), (
            monitor_id,
            after[0] - killed_at,
        )
    assert held > 0, victim_output  # the kill really left leases behind
    with db.connect() as conn:
        victims = conn.execute(
            text("SELECT count(*) FROM monitors WHERE lease_owner = 'victim'")
        ).scalar_one()
    assert victims == 0
