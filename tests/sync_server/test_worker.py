"""Cloud workers on a real PostgreSQL: claiming, checking, storing, incidents, the outbox."""

import asyncio
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from shared.clock import SystemClock
from shared.netguard import NetGuard
from shared.state import MonitorState
from shared.state_codec import dump_state
from shared.status import Status
from sync_server.config import ServerSettings
from sync_server.db import libpq_url
from sync_server.worker.hosts import HostSlots, host_of
from sync_server.worker.runner import CloudWorker, WorkerOptions
from sync_server.worker.schedule import after_check, next_due, phase
from tests.support.target import TargetServer
from tests.sync_server.rows import insert_channel, insert_monitor, insert_user

LOCAL = NetGuard(allow=["127.0.0.1/32"])  # the test target stands in for a public site


def add_user(db: Engine, plan: str = "business") -> uuid.UUID:
    return insert_user(db, plan)


def add_monitor(
    db: Engine, user_id: uuid.UUID, url: str, *, interval: int = 10, due: datetime | None = None
) -> uuid.UUID:
    return insert_monitor(
        db, user_id, url, interval=interval, confirmations=1, due=due or datetime.now(UTC)
    )


async def work_for(settings: ServerSettings, seconds: float, **options: float) -> CloudWorker:
    worker = CloudWorker(
        libpq_url(settings.database_url),
        guard=LOCAL,
        options=WorkerOptions(**options),  # type: ignore[arg-type]
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    await worker.run(stop)
    return worker


async def work_until(
    settings: ServerSettings,
    done: Callable[[CloudWorker], bool],
    timeout: float = 10,
    options: WorkerOptions | None = None,
) -> CloudWorker:
    worker = CloudWorker(libpq_url(settings.database_url), guard=LOCAL, options=options)
    stop = asyncio.Event()

    async def watch() -> None:
        for _ in range(int(timeout / 0.05)):
            if done(worker):
                break
            await asyncio.sleep(0.05)
        stop.set()

    watcher = asyncio.create_task(watch())
    await worker.run(stop)
    await watcher
    return worker


def test_the_grid_is_fixed_and_spread_by_id() -> None:
    monitor_id = uuid.UUID(int=123456789)
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    first = next_due(monitor_id, 60, start)
    assert start < first <= start + timedelta(seconds=60)
    assert next_due(monitor_id, 60, first) == first + timedelta(seconds=60)
    late = first + timedelta(seconds=200)  # a worker down for a while skips the missed points
    assert next_due(monitor_id, 60, late) == first + timedelta(seconds=240)
    recheck = after_check(monitor_id, 60, first, recheck=True)
    assert recheck == first + timedelta(seconds=15)  # a quarter of the interval
    for _ in range(2000):  # a grid point given back (as stored, to the microsecond) is not due
        some = uuid.uuid4()
        point = next_due(some, 10, start + timedelta(seconds=random.uniform(0, 1000)))
        stored = point.replace(microsecond=point.microsecond)  # what PostgreSQL keeps
        assert next_due(some, 10, stored) - stored > timedelta(seconds=9.9)
        assert next_due(some, 10, stored - timedelta(microseconds=1)) - stored > timedelta(
            seconds=9.9
        )
    phases = {round(phase(uuid.uuid4(), 60)) for _ in range(300)}
    assert len(phases) > 40  # many different seconds, not one burst


async def test_a_due_monitor_is_checked_once_and_moved_to_its_next_point(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    user = add_user(db)
    monitor = add_monitor(db, user, target.url("status/200"), interval=60)
    due = next_due(monitor, 60, datetime.now(UTC)) - timedelta(seconds=60)  # the last point
    with db.begin() as conn:
        conn.execute(text("UPDATE monitors SET next_check_at = :due"), {"due": due})
    worker = await work_until(settings, lambda w: w.stats.stored >= 1)
    assert worker.stats.stored == 1
    with db.connect() as conn:
        check = conn.execute(text("SELECT status, source FROM checks")).one()
        row = conn.execute(
            text("SELECT next_check_at, lease_owner, state FROM monitors WHERE id = :id"),
            {"id": monitor},
        ).one()
        hourly = conn.execute(text("SELECT up, rt_count, source FROM rollups_hourly")).one()
        daily = conn.execute(text("SELECT up FROM rollups_daily")).one()
    assert tuple(check) == ("up", "cloud")
    assert row.lease_owner is None
    assert row.next_check_at > datetime.now(UTC)
    assert abs(row.next_check_at - (due + timedelta(seconds=60))) < timedelta(milliseconds=1)
    assert '"status":"up"' in row.state
    assert tuple(hourly) == (1, 1, "cloud")
    assert daily.up == 1


async def test_free_accounts_and_paused_monitors_are_not_checked(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    add_monitor(db, add_user(db, plan="free"), target.url("status/200"))
    paused = add_monitor(db, add_user(db), target.url("status/200"))
    with db.begin() as conn:
        conn.execute(text("UPDATE monitors SET is_active = false WHERE id = :id"), {"id": paused})
    worker = await work_for(settings, 1.5)
    assert worker.stats.started == 0


async def test_an_outage_opens_an_incident_and_queues_one_alert_per_channel(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    user = add_user(db)
    monitor = add_monitor(db, user, target.url("status/503"), interval=5)
    # it was up before (a new monitor's first failure would not count: it must stay down)
    up = MonitorState(status=Status.UP, confirmed=Status.UP, last_result=Status.UP)
    with db.begin() as conn:
        conn.execute(
            text("UPDATE monitors SET state = :state WHERE id = :id"),
            {"state": dump_state(up), "id": monitor},
        )
    for path in ("mail", "hook"):
        insert_channel(db, user, {"type": "webhook", "url": f"https://{path}.example"}, [monitor])
    await work_for(settings, 2.0)
    with db.connect() as conn:
        incident = conn.execute(text("SELECT status, ended_at, first_error FROM incidents")).one()
        alerts = conn.execute(text("SELECT event, payload FROM alert_outbox")).all()
    assert incident.status == "down"
    assert incident.ended_at is None
    assert "503" in incident.first_error
    assert len(alerts) == 2
    assert {a.event for a in alerts} == {"down"}
    assert alerts[0].payload["title"].endswith("is down")


@pytest.mark.parametrize(
    ("interval", "recheck_s"), [(5, 5), (10, 5), (20, 5), (40, 10), (60, 15), (300, 20)]
)
def test_a_first_failure_is_rechecked_a_quarter_interval_later_between_5_and_20_s(
    interval: int, recheck_s: float
) -> None:
    monitor_id = uuid.uuid4()
    point = next_due(monitor_id, interval, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert after_check(monitor_id, interval, point, recheck=True) - point == timedelta(
        seconds=recheck_s
    )
    assert after_check(monitor_id, interval, point, recheck=False) - point == timedelta(
        seconds=interval
    )


async def test_a_first_failure_at_20_s_is_due_again_within_5_s_of_its_check(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    """With the default 2 confirmations an outage alerts at the recheck: 5 s after the
    failing check, well inside 1.5 intervals (the old 20 s put it a full interval later)."""
    monitor = insert_monitor(
        db, add_user(db), target.url("status/503"), interval=20, confirmations=2,
        due=datetime.now(UTC),
    )  # fmt: skip
    await work_until(settings, lambda w: w.stats.stored >= 1)
    with db.connect() as conn:
        checked_at = conn.execute(text("SELECT checked_at FROM checks")).scalar_one()
        row = conn.execute(
            text("SELECT next_check_at, state FROM monitors WHERE id = :id"), {"id": monitor}
        ).one()
    assert '"down_streak":1' in row.state
    # at most 5 s after the check (the old rule: 20 s); sooner when the monitor's next grid
    # point comes first, and it counts from the check's due time when that was later
    assert row.next_check_at <= checked_at + timedelta(seconds=5.5)
    assert row.next_check_at > checked_at


async def test_the_cloud_never_reaches_an_internal_address(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    """Through the worker: without the allowlist, a loopback target is blocked."""
    add_monitor(db, add_user(db), target.url("status/200"))
    target.clear_requests()
    worker = CloudWorker(libpq_url(settings.database_url), guard=NetGuard())
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(1.5, stop.set)
    await worker.run(stop)
    with db.connect() as conn:
        checks = conn.execute(text("SELECT status, error FROM checks")).all()
    assert checks
    assert all(c.status == "down" and "blocked: 127.0.0.1" in c.error for c in checks)
    assert target.count() == 0


async def test_uptime_figures_come_from_the_rollups_the_worker_wrote(
    settings: ServerSettings, db: Engine, target: TargetServer, client: TestClient
) -> None:
    who = {"email": "ann@example.com", "password": "long enough password"}
    client.post("/api/auth/register", json=who)
    bearer = {
        "Authorization": f"Bearer {client.post('/api/auth/login', json=who).json()['access_token']}"
    }
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET plan = 'business'"))
    made = client.post(
        "/api/monitors",
        json={"url": target.url("slow/120"), "interval": 60, "cloud": True},
        headers=bearer,
    ).json()
    with db.begin() as conn:
        conn.execute(text("UPDATE monitors SET next_check_at = now()"))
    await work_until(settings, lambda w: w.stats.stored >= 1)
    uptime = client.get(f"/api/monitors/{made['id']}/uptime", headers=bearer)
    assert uptime.status_code == 200
    body = uptime.json()
    for window in ("24h", "7d", "30d", "90d"):
        cloud = body["windows"]["cloud"][window]
        assert cloud["uptime"] == 100.0
        assert cloud["checks"] == 1
        assert cloud["p95_ms"] is not None
        assert cloud["p95_ms"] >= 120
        assert body["windows"]["local"][window]["uptime"] is None
    assert body["incidents"] == []
    other = {"email": "bob@example.com", "password": "long enough password"}
    client.post("/api/auth/register", json=other)
    token = client.post("/api/auth/login", json=other).json()["access_token"]
    bob = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/monitors/{made['id']}/uptime", headers=bob).status_code == 404


async def test_a_worker_rides_out_lost_database_connections(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    """Killed database backends are reconnected; results wait and are then stored."""
    user = add_user(db)
    now = datetime.now(UTC)
    for n in range(20):
        add_monitor(db, user, target.url("status/200"), due=now + timedelta(seconds=n * 0.3))
    worker = CloudWorker(libpq_url(settings.database_url), guard=LOCAL)
    stop = asyncio.Event()
    killed_at: list[datetime] = []

    async def cut_connections() -> None:
        await asyncio.sleep(2.5)
        killed_at.append(datetime.now(UTC))
        with db.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE pid <> pg_backend_pid() AND datname = current_database()")
            )  # fmt: skip
        await asyncio.sleep(4)
        stop.set()

    await asyncio.gather(worker.run(stop), cut_connections())
    with db.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM checks")).scalar_one()
        after = conn.execute(
            text("SELECT count(*) FROM checks WHERE checked_at > :t"), {"t": killed_at[0]}
        ).scalar_one()
    assert stored == worker.stats.stored >= 20  # every outcome reached the database once
    assert after > 0


class EarlyClock(SystemClock):
    """A wall clock a few milliseconds behind the timers, as after an NTP step or on uvloop."""

    def now(self) -> datetime:
        return super().now() - timedelta(milliseconds=20)


async def test_a_check_that_starts_a_hair_early_is_not_repeated_at_once(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    user = add_user(db)
    monitor = uuid.uuid4()
    due = next_due(monitor, 60, datetime.now(UTC) + timedelta(seconds=0.5))
    if due > datetime.now(UTC) + timedelta(seconds=50):
        due -= timedelta(seconds=60)  # the grid point just passed: due now
    insert_monitor(db, user, target.url("status/200"), id=monitor, interval=60, due=due)
    worker = CloudWorker(libpq_url(settings.database_url), guard=LOCAL, clock=EarlyClock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_at(loop.time() + (due - datetime.now(UTC)).total_seconds() + 2.5, stop.set)
    await worker.run(stop)
    assert worker.stats.stored == 1


async def test_checks_to_one_host_stay_under_its_cap_and_the_wait_is_not_response_time(
    settings: ServerSettings, db: Engine, target: TargetServer
) -> None:
    """30 monitors of three accounts on one host, all due at once, with a cap of 4: the
    host never has more than 4 requests in flight, every check still happens, and a check's
    response time is the site's (~300 ms), not its wait for a slot."""
    now = datetime.now(UTC)
    for _ in range(3):
        user = add_user(db)
        for _ in range(10):
            add_monitor(db, user, target.url("slow/300"), interval=600, due=now)
    target.clear_requests()
    capped = WorkerOptions(per_host=4)
    worker = await work_until(settings, lambda w: w.stats.stored >= 30, 20, capped)
    assert worker.stats.stored == 30
    assert target.count("/slow") == 30
    assert 2 <= target.peak_in_flight <= 4  # the cap held, and it was reached
    with db.connect() as conn:
        times = [row[0] for row in conn.execute(text("SELECT response_time_ms FROM checks"))]
    assert all(250 <= ms < 1000 for ms in times), sorted(times)
    assert max(worker.stats.lateness_s) >= 1.5  # the last ones waited ~2 s for a slot


def test_host_slots_count_one_host_however_it_is_written() -> None:
    assert host_of("https://Shop.Example.com./a") == host_of("http://shop.example.com:8080/b")
    with pytest.raises(ValueError, match="at least 1"):
        HostSlots(0)
