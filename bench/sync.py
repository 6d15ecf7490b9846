"""Desktop <-> cloud sync benchmark: push R results from one desktop, pull R on a second one.

A private PostgreSQL is migrated and the hosted API runs as `upwatch server` runs it
(sync_server.cli: migrations, then uvicorn, one worker) in its own process, so its CPU is
measured apart from the client's. The desktops run in this process, each with its own
SQLite file and in-memory keyring, through the real CloudService (as `upwatch sync` does,
on a plain asyncio loop):

- device A: N monitors (--monitors, 100) and R local results (--results, 100000) written
  through desktop.storage.writer.write_outcomes in committed batches of 2000, one check a
  minute per monitor ending now (untimed). Sign up (the account is then put on the business
  plan in the database, so it may sync the monitors), then timed: `await cloud.sync()` on A,
  which pushes the monitors and every result (pages of 5000) and pulls once.
- cloud results: a pull carries only results of cloud checks (source 'cloud'), so R of them
  for the same monitors are written straight into PostgreSQL the way cloud workers write
  them (sync_server.worker.store.INSERT_CHECKS plus the hourly and daily rollups, committed
  batches of 1000, derived result ids), checked in the last 23 hours so that a new device's
  first pull (24 h window) carries them all (untimed).
- device B: a fresh SQLite file signs in to the same account (untimed), then timed:
  `await cloud.sync()` on B, which pulls the monitors, the R cloud results and A's R local
  results (a pull that names its device gets the account's other devices' results too),
  pages of 5000, and stores them with their rollups, each under its origin.

Per timed phase: wall time, results/s, requests and body bytes both ways, and CPU per 1000
results of this process (the client, all threads: time.process_time), of the API server
process and of all PostgreSQL processes (utime + stime from /proc). Then the checks: the
server holds exactly R local rows (and rollups counting R) after A's push, B's pull reports
2 R results and B's SQLite holds exactly R cloud checks (and rollups counting R) and R checks
of device A: PASS / MISS each, and
"nothing lost or duplicated". End to end: 2 R / (push s + pull s) against the target (>=
20000 results/s). The exit status is 0 either way.

The API's rate limits are raised (as in bench/api.py): every request comes from one address.

    .venv/bin/python bench/sync.py [--monitors 100] [--results 100000] [--json]
    .venv/bin/python bench/sync.py --profile /tmp/sync-prof   # py-spy server and client
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypedDict

import httpx
import psycopg
from common import (  # common puts the repo on sys.path for what follows
    PY_SPY,
    ApiServer,
    code_revision,
    create_database,
    package_version,
    postgres_cpu_s,
    postmaster_pid,
    process_cpu_s,
    py_spy_record,
    run_and_print,
    stop_processes,
)

from desktop.secrets.store import SecretStore
from desktop.services.cloud import FIRST_PUSH_WINDOW, CloudService, SyncReport
from desktop.services.monitors import MonitorService
from desktop.storage.codes import SOURCE_CODE
from desktop.storage.connection import connect
from desktop.storage.database import Database
from desktop.storage.writer import Outcome, write_outcomes
from shared.monitor import MonitorSpec
from shared.result import CheckResult, Source
from shared.status import Status
from sync_server.db import libpq_url
from sync_server.history.rollups import (
    UPSERT_DAILY,
    UPSERT_HOURLY,
    buckets,
    rollup_rows,
)
from sync_server.plans import plan_of
from sync_server.sync.service import FIRST_PULL_WINDOW
from sync_server.worker.store import INSERT_CHECKS
from tests.support.memkeyring import MemoryKeyring
from tests.support.postgres import PostgresServer

# The issue's target: results/s end to end (pushed and pulled, over both phases' wall time).
TARGET_RESULTS_PER_S = 20_000.0

PLAN = "business"
EMAIL = "bench@example.com"
PASSWORD = "bench-password-0123456789"  # a throwaway account

LOCAL_BATCH = 2000  # the desktop writer's largest batch (desktop.storage.writer.MAX_BATCH)
CLOUD_BATCH = 1000  # a cloud worker commits what it has, up to 2000 outcomes at a time
STEP = timedelta(minutes=1)  # one check a minute per monitor, when the window allows
# Results must fall inside a first push's window (7 days) and a first pull's (24 h): keep
# a margin for the time the setup takes.
LOCAL_WINDOW = FIRST_PUSH_WINDOW - timedelta(hours=12)
CLOUD_WINDOW = FIRST_PULL_WINDOW - timedelta(hours=1)


class PhaseFigures(TypedDict):
    """One timed sync run, as printed by --json."""

    name: str
    results: int
    wall_s: float
    results_per_s: float
    requests: int
    sent_bytes: int
    received_bytes: int
    client_cpu_ms_per_1000: float
    server_cpu_ms_per_1000: float
    db_cpu_ms_per_1000: float
    client_core_share: float
    server_core_share: float
    db_core_share: float
    report: dict[str, int]
    passed: bool


class Checks(TypedDict):
    """What the two databases hold after the runs."""

    pushed_reported: int
    server_local_rows: int
    server_local_distinct: int
    server_local_rollups: int
    pulled_monitors_reported: int
    pulled_reported: int
    device_b_device_a_checks: int
    device_b_monitors: int
    device_b_cloud_checks: int
    device_b_cloud_rollups: int
    push_ok: bool
    pull_ok: bool
    nothing_lost_or_duplicated: bool


class Figures(TypedDict):
    """Everything the benchmark measured, as printed by --json."""

    monitors: int
    results: int
    versions: dict[str, str]
    cpus: int
    loadavg_before: float
    setup_s: dict[str, float]
    push: PhaseFigures
    pull: PhaseFigures
    end_to_end_results_per_s: float
    passed: bool
    checks: Checks
    server_log_errors: int
    profiles: list[str]


@dataclass(frozen=True, slots=True)
class Options:
    """The benchmark's parameters."""

    monitors: int
    results: int
    profile: Path | None
    as_json: bool


@dataclass(slots=True)
class Desktop:
    """One computer: its SQLite file, its keyring, its cloud link."""

    db: Database
    cloud: CloudService
    traffic: CountingTransport

    @classmethod
    def open(cls, path: Path) -> Desktop:
        """Open (and create) a desktop's database with a fresh keyring."""
        db = Database(path)
        traffic = CountingTransport()
        cloud = CloudService(db, SecretStore(MemoryKeyring()), transport=traffic)
        return cls(db, cloud, traffic)

    async def close(self) -> None:
        """Close the cloud link, the transport and the database."""
        await self.cloud.aclose()
        await self.traffic.close_inner()
        self.db.close()

    def count(self, sql: str) -> int:
        """Return the one number a query over the SQLite file answers."""
        conn = connect(self.db.path)
        try:
            return int(conn.execute(sql).fetchone()[0] or 0)
        finally:
            conn.close()


# -- bytes on the wire ------------------------------------------------------------------------


class _CountedStream(httpx.AsyncByteStream):
    """A response body that adds its length to a CountingTransport as it is read."""

    def __init__(self, inner: httpx.AsyncByteStream, owner: CountingTransport) -> None:
        self._inner = inner
        self._owner = owner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._owner.received += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CountingTransport(httpx.AsyncBaseTransport):
    """httpx's own HTTP transport, counting requests and body bytes both ways.

    CloudService opens and closes several clients over one transport: closing a client does
    not close this transport's pool (close_inner does, at the end).
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.requests = 0
        self.sent = 0
        self.received = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the inner transport, counting the request's and the answer's bodies."""
        self.requests += 1
        with contextlib.suppress(httpx.RequestNotRead):
            self.sent += len(request.content)
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CountedStream(response.stream, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Keep the pool: CloudService closes its client after registering, then goes on."""

    async def close_inner(self) -> None:
        """Close the connection pool."""
        await self._inner.aclose()


# -- CPU and profiles per phase ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """CPU counters and the clock at one instant."""

    at: float
    client: float
    server: float
    db: float

    @classmethod
    def now(cls, server_pid: int, postmaster: int) -> Sample:
        """Read the counters."""
        return cls(
            time.perf_counter(),
            time.process_time(),
            process_cpu_s(server_pid),
            postgres_cpu_s(postmaster),
        )


class Profiler:
    """py-spy on the server and on this process for one phase (--profile)."""

    def __init__(self, directory: Path | None, server_pid: int) -> None:
        self.directory = directory
        self.server_pid = server_pid
        self.paths: list[str] = []
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, phase: str) -> None:
        """Start sampling both processes into <directory>/<phase>-{server,client}.txt."""
        if self.directory is None:
            return
        if not PY_SPY.exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.directory.mkdir(parents=True, exist_ok=True)
        for who, pid in (("server", self.server_pid), ("client", os.getpid())):
            out = self.directory / f"{phase}-{who}.txt"
            self._running.append(py_spy_record(pid, out, rate=250))
            self.paths.append(str(out))
        time.sleep(1.0)  # let py-spy attach before the phase starts

    def stop(self) -> None:
        """Stop sampling (SIGINT: py-spy writes its output and exits)."""
        running, self._running = self._running, []
        stop_processes(running, signal.SIGINT, timeout=30)


# -- data -------------------------------------------------------------------------------------


def schedule(
    results: int, monitors: int, window: timedelta, end: datetime
) -> tuple[datetime, timedelta]:
    """Return (first check, step) so results spread over monitors end before end.

    One check a minute per monitor when the window holds that many, else closer together.
    """
    per = math.ceil(results / monitors)
    step = min(STEP, window / per)
    step = timedelta(milliseconds=max(1, step // timedelta(milliseconds=1)))
    return end - per * step, step


def fake_result(
    monitor_id: uuid.UUID, slot: int, at: datetime, source: Source = Source.LOCAL
) -> CheckResult:
    """Return a plausible check: mostly up, now and then degraded or down."""
    if slot % 97 == 0:
        return CheckResult(
            monitor_id, Status.DOWN, at, status_code=500, response_time_ms=40 + slot % 60,
            error="HTTP 500 (expected 200-299)", source=source,
        )  # fmt: skip
    status = Status.DEGRADED if slot % 31 == 0 else Status.UP
    ms = 2500 + slot % 500 if status is Status.DEGRADED else 20 + (slot * 7) % 300
    return CheckResult(monitor_id, status, at, status_code=200, response_time_ms=ms, source=source)


def spread(
    ids: list[uuid.UUID], results: int, window: timedelta, end: datetime
) -> Iterator[tuple[int, uuid.UUID, int, datetime]]:
    """Yield (n, monitor id, slot, checked_at) for results spread round-robin over monitors."""
    first, step = schedule(results, len(ids), window, end)
    for n in range(results):
        slot = n // len(ids)
        yield n, ids[n % len(ids)], slot, first + slot * step


def fill_device_a(desktop: Desktop, options: Options, end: datetime) -> list[uuid.UUID]:
    """Add the monitors and write the local results the way the desktop writer does."""
    monitors = MonitorService(desktop.db)
    ids = [
        monitors.add(
            MonitorSpec(name=f"svc{i}", url=f"https://svc{i}.bench.example/health", interval=60)
        ).id
        for i in range(options.monitors)
    ]
    conn = connect(desktop.db.path)
    try:
        pks = {
            uuid.UUID(row[0]): int(row[1]) for row in conn.execute("SELECT id, pk FROM monitors")
        }
        batch: list[Outcome] = []
        for _, monitor_id, slot, at in spread(ids, options.results, LOCAL_WINDOW, end):
            batch.append(Outcome(pks[monitor_id], fake_result(monitor_id, slot, at), None))
            if len(batch) == LOCAL_BATCH:
                _commit_outcomes(conn, batch)
                batch = []
        if batch:
            _commit_outcomes(conn, batch)
    finally:
        conn.close()
    return ids


def _commit_outcomes(conn: sqlite3.Connection, outcomes: list[Outcome]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    write_outcomes(conn, outcomes)
    conn.execute("COMMIT")


def write_cloud_results(url: str, ids: list[uuid.UUID], results: int, end: datetime) -> None:
    """Write cloud results as cloud workers do: checks and rollups, committed batch by batch."""
    half_step = schedule(results, len(ids), CLOUD_WINDOW, end)[1] / 2
    with psycopg.connect(libpq_url(url)) as conn:
        batch: list[CheckResult] = []
        for n, monitor_id, slot, at in spread(ids, results, CLOUD_WINDOW, end - half_step):
            batch.append(fake_result(monitor_id, slot, at, Source.CLOUD))
            if len(batch) == CLOUD_BATCH or n == results - 1:
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.execute(
                        INSERT_CHECKS,
                        (
                            [r.id for r in batch],
                            [r.monitor_id for r in batch],
                            [str(r.status) for r in batch],
                            [r.status_code for r in batch],
                            [r.response_time_ms for r in batch],
                            [r.error for r in batch],
                            [r.checked_at for r in batch],
                            [str(r.source) for r in batch],
                        ),
                    )
                    hourly, daily = buckets(
                        (r.monitor_id, r.checked_at, r.status, r.response_time_ms) for r in batch
                    )
                    cursor.executemany(UPSERT_HOURLY, rollup_rows("cloud", hourly))
                    cursor.executemany(UPSERT_DAILY, rollup_rows("cloud", daily))
                batch = []
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("ANALYZE")  # as autovacuum would after such a load


def server_count(url: str, sql: str, params: dict[str, Any] | None = None) -> int:
    """Return the one number a query over the server's database answers."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(sql, params).fetchone()
    return int(row[0] or 0) if row else 0


# -- the timed runs ---------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    """What one timed sync did."""

    report: SyncReport
    before: Sample
    after: Sample
    requests: int = 0
    sent: int = 0
    received: int = 0


async def timed_sync(desktop: Desktop, server_pid: int, postmaster: int) -> Run:
    """Run one `await cloud.sync()` between two CPU samples."""
    requests, sent, received = (
        desktop.traffic.requests,
        desktop.traffic.sent,
        desktop.traffic.received,
    )
    before = Sample.now(server_pid, postmaster)
    report = await desktop.cloud.sync()
    after = Sample.now(server_pid, postmaster)
    return Run(
        report,
        before,
        after,
        desktop.traffic.requests - requests,
        desktop.traffic.sent - sent,
        desktop.traffic.received - received,
    )


def phase_figures(name: str, results: int, run: Run) -> PhaseFigures:
    """Turn a timed run into figures and a verdict."""
    wall = run.after.at - run.before.at
    per_1000 = 1000 / max(results, 1) * 1000  # seconds -> ms per 1000 results
    client = run.after.client - run.before.client
    server = run.after.server - run.before.server
    db = run.after.db - run.before.db
    rate = results / wall if wall > 0 else 0.0
    return PhaseFigures(
        name=name,
        results=results,
        wall_s=round(wall, 3),
        results_per_s=round(rate),
        requests=run.requests,
        sent_bytes=run.sent,
        received_bytes=run.received,
        client_cpu_ms_per_1000=round(client * per_1000, 1),
        server_cpu_ms_per_1000=round(server * per_1000, 1),
        db_cpu_ms_per_1000=round(db * per_1000, 1),
        client_core_share=round(client / wall, 3) if wall > 0 else 0.0,
        server_core_share=round(server / wall, 3) if wall > 0 else 0.0,
        db_core_share=round(db / wall, 3) if wall > 0 else 0.0,
        report={
            "pushed": run.report.pushed,
            "refused": len(run.report.refused),
            "results_pushed": run.report.results_pushed,
            "pulled": run.report.pulled,
            "results_pulled": run.report.results_pulled,
        },
        passed=rate >= TARGET_RESULTS_PER_S,
    )


async def run_devices(
    options: Options, url: str, api: ApiServer, pids: tuple[int, int], tmp: Path
) -> tuple[dict[str, float], Run, Run, Checks, list[str]]:
    """Fill A, push from A, write cloud results, pull on B; return timings, runs and checks."""
    server_pid, postmaster = pids
    setup: dict[str, float] = {}
    profiler = Profiler(options.profile, server_pid)
    a = Desktop.open(tmp / "a.sqlite3")
    b = Desktop.open(tmp / "b.sqlite3")
    try:
        started = time.perf_counter()
        end = datetime.now(UTC).replace(microsecond=0)
        ids = fill_device_a(a, options, end)
        setup["device_a_fill_s"] = time.perf_counter() - started

        started = time.perf_counter()
        await a.cloud.sign_up(EMAIL, PASSWORD, api.base_url)
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("UPDATE users SET plan = %s WHERE email = %s", (PLAN, EMAIL))
        await a.cloud.whoami()  # the desktop learns its plan, as the app would
        setup["sign_up_s"] = time.perf_counter() - started

        profiler.start("push")
        push = await timed_sync(a, server_pid, postmaster)
        profiler.stop()

        started = time.perf_counter()
        write_cloud_results(url, ids, options.results, datetime.now(UTC).replace(microsecond=0))
        setup["cloud_results_s"] = time.perf_counter() - started

        started = time.perf_counter()
        await b.cloud.sign_in(EMAIL, PASSWORD, api.base_url)
        setup["sign_in_b_s"] = time.perf_counter() - started

        profiler.start("pull")
        pull = await timed_sync(b, server_pid, postmaster)
        profiler.stop()

        local = SOURCE_CODE[Source.LOCAL]
        cloud = SOURCE_CODE[Source.CLOUD]
        rollup_sum = "SELECT sum(up + degraded + down + unknown) FROM rollups_daily"
        checks = Checks(
            pushed_reported=push.report.results_pushed,
            server_local_rows=server_count(
                url, "SELECT count(*) FROM checks WHERE source = 'local'"
            ),
            server_local_distinct=server_count(
                url,
                "SELECT count(DISTINCT (monitor_id, checked_at)) FROM checks"
                " WHERE source = 'local'",
            ),
            server_local_rollups=server_count(url, f"{rollup_sum} WHERE source = 'local'"),
            pulled_monitors_reported=pull.report.pulled,
            pulled_reported=pull.report.results_pulled,
            device_b_monitors=b.count("SELECT count(*) FROM monitors"),
            device_b_cloud_checks=b.count(f"SELECT count(*) FROM checks WHERE source = {cloud}"),
            device_b_cloud_rollups=b.count(f"{rollup_sum} WHERE source = {cloud}"),
            # another device's results are stored under its own code, from 2 on
            device_b_device_a_checks=b.count("SELECT count(*) FROM checks WHERE source >= 2"),
            push_ok=False,
            pull_ok=False,
            nothing_lost_or_duplicated=False,
        )
        r = options.results
        checks["push_ok"] = (
            checks["pushed_reported"]
            == checks["server_local_rows"]
            == checks["server_local_distinct"]
            == checks["server_local_rollups"]
            == r
            and a.count(f"SELECT count(*) FROM checks WHERE source = {local}") == r
        )
        checks["pull_ok"] = (
            checks["pulled_reported"] == 2 * r
            and checks["device_b_cloud_checks"]
            == checks["device_b_cloud_rollups"]
            == checks["device_b_device_a_checks"]
            == r
            and checks["device_b_monitors"] == options.monitors
        )
        checks["nothing_lost_or_duplicated"] = checks["push_ok"] and checks["pull_ok"]
    finally:
        profiler.stop()
        await a.close()
        await b.close()
    return setup, push, pull, checks, profiler.paths


def versions(url: str) -> dict[str, str]:
    """Return the versions that shape the figures."""
    names = ("fastapi", "starlette", "pydantic", "sqlalchemy", "psycopg", "uvicorn", "httpx")
    found = {name: package_version(name) for name in names}
    found["python"] = platform.python_version()
    found["sqlite"] = sqlite3.sqlite_version
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    found["postgres"] = str(row[0]).split()[0] if row else "?"
    found["code"] = code_revision("sync_server", "desktop", "shared")
    found["uvicorn_http"] = "httptools" if find_spec("httptools") else "h11"
    found["uvicorn_loop"] = "uvloop" if find_spec("uvloop") else "asyncio"
    return found


def measure(options: Options) -> Figures:
    """Run the whole benchmark and return its figures."""
    loadavg = os.getloadavg()[0]
    setup: dict[str, float] = {}
    started = time.perf_counter()
    server = PostgresServer().start()
    try:
        url = create_database(server)
        setup["postgres_and_migrations_s"] = time.perf_counter() - started
        postmaster = postmaster_pid(server)
        with tempfile.TemporaryDirectory(prefix="upwatch-bench-sync-") as tmp:
            api = ApiServer(url, Path(tmp) / "server.log")
            try:
                started = time.perf_counter()
                server_pid = api.start()
                setup["server_start_s"] = time.perf_counter() - started
                steps, push, pull, checks, profiles = asyncio.run(
                    run_devices(options, url, api, (server_pid, postmaster), Path(tmp))
                )
                setup |= steps
            finally:
                api.stop()
            errors = api.logged_errors()
        found = versions(url)
    finally:
        server.stop()
    push_figures = phase_figures("push (device A: sync)", options.results, push)
    pull_figures = phase_figures("pull (device B: sync)", options.results, pull)
    both_s = push_figures["wall_s"] + pull_figures["wall_s"]
    end_to_end = 2 * options.results / both_s if both_s > 0 else 0.0
    return Figures(
        monitors=options.monitors,
        results=options.results,
        versions=found,
        cpus=os.cpu_count() or 0,
        loadavg_before=round(loadavg, 2),
        setup_s={name: round(seconds, 2) for name, seconds in setup.items()},
        push=push_figures,
        pull=pull_figures,
        end_to_end_results_per_s=round(end_to_end),
        passed=end_to_end >= TARGET_RESULTS_PER_S,
        checks=checks,
        server_log_errors=errors,
        profiles=profiles,
    )


# -- the report -------------------------------------------------------------------------------

HEADER = (
    f"{'phase':<24} {'results':>8} {'wall s':>7} {'results/s':>9} {'reqs':>5} {'sent MB':>8}"
    f" {'recv MB':>8} {'client':>7} {'server':>7} {'PG':>6}   {'cores c/s/PG':>14}  verdict"
)


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def _row(p: PhaseFigures) -> str:
    mb = 1024 * 1024
    cores = f"{p['client_core_share']:.2f}/{p['server_core_share']:.2f}/{p['db_core_share']:.2f}"
    return (
        f"{p['name']:<24} {p['results']:>8} {p['wall_s']:>7.2f} {p['results_per_s']:>9.0f}"
        f" {p['requests']:>5} {p['sent_bytes'] / mb:>8.1f} {p['received_bytes'] / mb:>8.1f}"
        f" {p['client_cpu_ms_per_1000']:>7.1f} {p['server_cpu_ms_per_1000']:>7.1f}"
        f" {p['db_cpu_ms_per_1000']:>6.1f}   {cores:>14}  {_verdict(p['passed'])}"
    )


def report(f: Figures) -> str:
    """Return the figures as a table with PASS / MISS per figure and the checks."""
    v = f["versions"]
    s = f["setup_s"]
    c = f["checks"]
    push, pull = f["push"], f["pull"]
    both_s = push["wall_s"] + pull["wall_s"]
    lines = [
        f"Upwatch sync benchmark: {f['monitors']} monitors, {f['results']} results pushed by"
        f" device A and {f['results']} cloud results pulled by device B; API: one uvicorn"
        f" worker ({v['uvicorn_http']}, {v['uvicorn_loop']}) in its own process",
        f"python {v['python']}, fastapi {v['fastapi']}, pydantic {v['pydantic']}, sqlalchemy"
        f" {v['sqlalchemy']}, psycopg {v['psycopg']}, httpx {v['httpx']}, uvicorn"
        f" {v['uvicorn']}, PostgreSQL {v['postgres']}, SQLite {v['sqlite']}; {f['cpus']} CPUs,"
        f" load average before {f['loadavg_before']}",
        f"code under test: {v['code']}",
        f"setup (untimed): PostgreSQL + migrations {s['postgres_and_migrations_s']:.1f} s,"
        f" server start {s['server_start_s']:.1f} s, device A filled"
        f" {s['device_a_fill_s']:.1f} s, sign-up {s['sign_up_s']:.1f} s, cloud results written"
        f" {s['cloud_results_s']:.1f} s, device B sign-in {s['sign_in_b_s']:.1f} s",
        "",
        HEADER,
        _row(push),
        _row(pull),
        f"{'end to end (both)':<24} {2 * f['results']:>8} {both_s:>7.2f}"
        f" {f['end_to_end_results_per_s']:>9.0f} {'':>55}  {_verdict(f['passed'])}",
        "",
        f"target: >= {TARGET_RESULTS_PER_S:.0f} results/s end to end (2 x results / (push s +"
        " pull s)); each phase is judged against the same rate. client / server / PG: CPU ms per"
        " 1000 results of this process (all threads) / of the uvicorn process / of all"
        " PostgreSQL processes; cores: the same CPU as a share of one core over the phase's"
        " wall time; MB: request and response bodies.",
        f"push: A's sync reported {push['report']['pushed']} monitors and"
        f" {c['pushed_reported']} results pushed; the server holds {c['server_local_rows']}"
        f" local rows ({c['server_local_distinct']} distinct monitor+time, rollups count"
        f" {c['server_local_rollups']}): {_verdict(c['push_ok'])}",
        f"pull: B's sync reported {c['pulled_monitors_reported']} monitors and"
        f" {c['pulled_reported']} results pulled; B's SQLite holds {c['device_b_monitors']}"
        f" monitors, {c['device_b_cloud_checks']} cloud checks (rollups count"
        f" {c['device_b_cloud_rollups']}) and {c['device_b_device_a_checks']} of device A:"
        f" {_verdict(c['pull_ok'])}",
        f"nothing lost or duplicated: {'yes' if c['nothing_lost_or_duplicated'] else 'no'}",
        f"server errors logged: {f['server_log_errors']}",
    ]
    lines += [f"profile: {path}" for path in f["profiles"]]
    return "\n".join(lines)


# -- entry point ------------------------------------------------------------------------------


def parse_options(argv: list[str] | None) -> Options:
    """Return the options given on the command line; exit 2 on bad ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--monitors", type=int, default=100, help="monitors (default 100)")
    parser.add_argument(
        "--results", type=int, default=100_000, help="results each way (default 100000)"
    )
    parser.add_argument("--profile", type=Path, help="py-spy server and client into this dir")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    most = plan_of(PLAN).synced_monitors
    if not 1 <= args.monitors <= most:
        parser.error(f"--monitors from 1 to {most} (the {PLAN} plan's synced monitors)")
    if args.results < 1:
        parser.error("--results must be at least 1")
    return Options(args.monitors, args.results, args.profile, args.json)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return 0 (a MISS is a figure, not a failure)."""
    return run_and_print(parse_options(argv), measure, report)


if __name__ == "__main__":
    raise SystemExit(main())
