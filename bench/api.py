"""Hosted API benchmark: latency and CPU per request of sync_server under an open-loop load.

A private PostgreSQL is filled straight through COPY / INSERT ... SELECT (users on the
business plan, N monitors, M checks, then VACUUM ANALYZE). For each endpoint a fresh API
server runs as `upwatch server` runs it (sync_server.cli: migrations, then uvicorn, one
worker) in its own process, and a load generator in a third process sends requests on a fixed
schedule (open loop: latency counts from the scheduled send time, so queueing counts):

- GET  /api/monitors                 a random user's monitors
- GET  /api/monitors/{id}/checks     the newest page (limit 100) of one of that user's monitors
- POST /api/monitors                 a new monitor with a unique URL, for a user with room

First 5 s at a low calibration rate (CPU per request while the server keeps up), then the
measured phase. Per phase: p50 / p95 / p99 / max latency, achieved rate, errors (any non-2xx,
or no answer), CPU per request of the server process and of PostgreSQL (utime + stime from
/proc), and the errors the server logged. Each endpoint is judged against the target (p99 <=
50 ms at 200 req/s, no errors): PASS / MISS. The exit status is 0 either way.

    .venv/bin/python bench/api.py [--rate 200] [--seconds 20] [--monitors 10000]
                                  [--checks 1000000] [--only list|checks|create]
                                  [--json] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib.util import find_spec
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypedDict

import aiohttp
import psycopg
from common import (  # common puts the repo on sys.path for what follows
    ISSUER,
    JWT_SECRET,
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
)
from psycopg.types.json import Json
from sqlmodel import SQLModel

from sync_server.auth.passwords import hash_password
from sync_server.auth.tables import AuthSession, User
from sync_server.auth.tokens import AccessClaims, SigningKeys, make_access_token
from sync_server.db import libpq_url
from sync_server.monitors.tables import Monitor
from sync_server.plans import plan_of
from tests.support.postgres import PostgresServer

# The issue's target.
P99_MS_MAX = 50.0
TARGET_RATE = 200.0
RATE_SHARE_MIN = 0.95  # achieved / requested rate below this is a MISS too
EXCEPTION_SUFFIXES = ("Error", "Exception", "Timeout")

PLAN = "business"
SEED = 20261126

ENDPOINTS = {
    "list": "GET  /api/monitors",
    "checks": "GET  /api/monitors/{id}/checks",
    "create": "POST /api/monitors",
}


class PhaseFigures(TypedDict):
    """One endpoint's figures, as printed by --json."""

    endpoint: str
    requested_rate: float
    sent: int
    ok: int
    errors: int
    statuses: dict[str, int]
    achieved_rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_response_bytes: float
    server_cpu_ms_per_request: float | None
    server_core_share: float
    db_cpu_ms_per_request: float | None
    loadgen_cpu_ms_per_request: float
    loadgen_send_lag_p99_ms: float
    server_errors: dict[str, int]
    server_error_example: str
    passed: bool


class Figures(TypedDict):
    """Everything the benchmark measured, as printed by --json."""

    users: int
    monitors: int
    checks: int
    load_s: dict[str, float]
    db_bytes: int
    table_bytes: dict[str, int]
    rate: float
    warmup_s: float
    seconds: float
    versions: dict[str, str]
    cpus: int
    loadavg_before: float
    calibrate_rate: float
    calibration: dict[str, PhaseFigures]
    phases: dict[str, PhaseFigures]
    profiles: dict[str, str]


@dataclass(frozen=True, slots=True)
class Options:
    """The benchmark's parameters."""

    users: int
    monitors: int
    checks: int
    rate: float
    seconds: float
    warmup: float
    drain: float
    connections: int
    calibrate_rate: float
    phases: tuple[str, ...]
    profile: Path | None
    as_json: bool


@dataclass(frozen=True, slots=True)
class BenchUser:
    """A loaded account: its bearer token, its monitors' ids and how many more it may add."""

    token: str
    monitor_ids: list[str]
    room: int


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """What the load generator process runs for one endpoint."""

    base_url: str
    kind: str
    rate: float
    warmup: float
    seconds: float
    drain: float
    connections: int
    users: list[BenchUser]
    server_pid: int
    postmaster_pid: int
    seed: int


@dataclass(slots=True)
class PhaseRaw:
    """What the load generator saw for the measured requests, and CPU over the window."""

    latencies_ms: list[float] = field(default_factory=list)
    send_lags_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    response_bytes: int = 0
    window_s: float = 0.0
    cpu_elapsed_s: float = 0.0
    last_ok_s: float = 0.0
    server_cpu_s: float = 0.0
    db_cpu_s: float = 0.0
    loadgen_cpu_s: float = 0.0


# -- the load generator (runs in its own process) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One prepared request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None


def prepare_requests(plan: LoadPlan, count: int) -> list[Request]:
    """Return count requests for the plan's endpoint, spread at random over its users."""
    rng = random.Random(plan.seed)
    auth = [{"Authorization": f"Bearer {user.token}"} for user in plan.users]
    room = [user.room for user in plan.users]
    if plan.kind == "create" and sum(room) < count:
        raise ValueError(f"the users have room for {sum(room)} new monitors, not {count}")
    owners = [n for n, user in enumerate(plan.users) if user.monitor_ids]
    run = uuid.uuid4().hex[:8]
    requests = []
    for i in range(count):
        who = rng.randrange(len(plan.users))
        if plan.kind == "list":
            requests.append(Request("GET", "/api/monitors", auth[who], None))
        elif plan.kind == "checks":
            who = rng.choice(owners)
            monitor = rng.choice(plan.users[who].monitor_ids)
            requests.append(Request("GET", f"/api/monitors/{monitor}/checks", auth[who], None))
        else:
            while room[who] == 0:
                who = rng.randrange(len(plan.users))
            room[who] -= 1
            body = {"name": f"post {i}", "url": f"https://p{run}-{i}.bench.example/health"}
            headers = {**auth[who], "Content-Type": "application/json"}
            data = json.dumps({**body, "interval": 60}).encode()
            requests.append(Request("POST", "/api/monitors", headers, data))
    return requests


async def _send(http: aiohttp.ClientSession, request: Request, at: float) -> tuple[float, str, int]:
    """Send one request; return (latency from at, status, response bytes)."""
    try:
        async with http.request(
            request.method, request.path, headers=request.headers, data=request.body
        ) as response:
            payload = await response.read()
            status = str(response.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        payload, status = b"", type(exc).__name__
    return time.perf_counter() - at, status, len(payload)


def _cpu_point(plan: LoadPlan) -> tuple[float, float, float]:
    """Return (server CPU s, PostgreSQL CPU s, this process's CPU s) now."""
    return (
        process_cpu_s(plan.server_pid),
        postgres_cpu_s(plan.postmaster_pid),
        time.process_time(),
    )


async def drive(plan: LoadPlan) -> PhaseRaw:
    """Send the plan's requests on an open-loop schedule; return what the window saw."""
    total = round(plan.rate * (plan.warmup + plan.seconds))
    first = round(plan.rate * plan.warmup)
    requests = prepare_requests(plan, total)
    clock = time.perf_counter  # uvloop's loop.time() only has millisecond resolution
    connector = aiohttp.TCPConnector(limit=plan.connections, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=None)
    raw = PhaseRaw()
    async with aiohttp.ClientSession(plan.base_url, connector=connector, timeout=timeout) as http:
        start = clock() + 0.05
        window_start = start + first / plan.rate
        before, measured_from = (0.0, 0.0, 0.0), window_start
        tasks: list[tuple[float, asyncio.Task[tuple[float, str, int]]]] = []
        for i, request in enumerate(requests):
            at = start + i / plan.rate
            if (delay := at - clock()) > 0:
                await asyncio.sleep(delay)
            if i == first:
                before, measured_from = _cpu_point(plan), clock()
            if i >= first:  # how late the generator itself sends: it must stay near zero
                raw.send_lags_ms.append(1000 * (clock() - at))
            tasks.append((at, asyncio.create_task(_send(http, request, at))))
        deadline = start + total / plan.rate + plan.drain
        await asyncio.wait([t for _, t in tasks], timeout=max(0.0, deadline - clock()))
        stopped = clock()
        after = _cpu_point(plan)
        for i, (at, task) in enumerate(tasks):
            if not task.done():
                task.cancel()
            if i < first:
                continue
            if task.cancelled() or not task.done():
                raw.latencies_ms.append(1000 * (stopped - at))
                raw.statuses["unfinished"] += 1
                continue
            latency, status, size = task.result()
            raw.latencies_ms.append(1000 * latency)
            raw.statuses[status] += 1
            raw.response_bytes += size
            if status.startswith("2"):
                raw.last_ok_s = max(raw.last_ok_s, at + latency - window_start)
        await asyncio.gather(*(t for _, t in tasks), return_exceptions=True)
    raw.window_s = plan.seconds
    raw.cpu_elapsed_s = stopped - measured_from
    raw.server_cpu_s = after[0] - before[0]
    raw.db_cpu_s = after[1] - before[1]
    raw.loadgen_cpu_s = after[2] - before[2]
    return raw


def run_load(plan: LoadPlan) -> PhaseRaw:
    """Run one phase on uvloop (the load generator process's entry point)."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(drive(plan))


# -- the database -----------------------------------------------------------------------------


CHECKS_SQL = """
INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms, error, checked_at,
                    source)
SELECT gen_random_uuid(), monitor_id,
       CASE WHEN r < 0.01 THEN 'down' WHEN r < 0.03 THEN 'degraded' ELSE 'up' END,
       CASE WHEN r < 0.005 THEN NULL WHEN r < 0.01 THEN 503 ELSE 200 END,
       CASE WHEN r < 0.005 THEN NULL
            WHEN r < 0.03 THEN 2000 + (q * 3000)::int
            ELSE 30 + (q * q * 400)::int END,
       CASE WHEN r < 0.005 THEN 'timed out after 10 s'
            WHEN r < 0.01 THEN 'HTTP 503 (expected 200-299)' END,
       %(now)s - n * interval '1 minute',
       CASE WHEN k %% 4 = 0 THEN 'cloud' ELSE 'local' END
FROM (SELECT m.id AS monitor_id, m.k, n, random() AS r, random() AS q
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM monitors) AS m
      CROSS JOIN generate_series(1, %(per)s) AS n) AS rows
LIMIT %(total)s
"""


def _monitor(rng: random.Random, user_id: uuid.UUID, seq: int, now: datetime) -> Monitor:
    """Return a plausible HTTP monitor created in the last 90 days."""
    interval = rng.choice((30, 60, 60, 300, 300, 300, 900))
    created = now - timedelta(days=90 * rng.random())
    host = f"svc{rng.randrange(10**6)}.example.com"
    return Monitor(
        id=uuid.uuid4(),
        user_id=user_id,
        name=host,
        url=f"https://{host}/health",
        interval=interval,
        timeout=min(10.0, float(interval)),
        keyword="ok" if rng.random() < 0.2 else None,
        degraded_after_ms=2000 if rng.random() < 0.3 else None,
        created_at=created,
        updated_at=created,
        seq=seq,
    )


def copy_models(cur: psycopg.Cursor[Any], rows: Sequence[SQLModel]) -> None:
    """COPY model instances into their table, every column (so later columns get their defaults)."""
    table = type(rows[0]).__table__  # type: ignore[attr-defined]
    columns = list(table.columns)
    names = ", ".join(f'"{column.name}"' for column in columns)
    with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = [getattr(row, column.name) for column in columns]
            copy.write_row([Json(v) if isinstance(v, dict) else v for v in values])


def load_data(url: str, options: Options) -> tuple[list[BenchUser], dict[str, float]]:
    """Fill users, sessions, monitors and checks; return the users and the load timings."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    per_user = math.ceil(options.monitors / options.users)
    password_hash = hash_password("bench-password-0123456789")
    timings: dict[str, float] = {}
    users: list[BenchUser] = []
    started = time.perf_counter()
    accounts, sessions, monitors = [], [], []
    for i in range(options.users):
        count = max(0, min(per_user, options.monitors - i * per_user))
        account = User(
            email=f"bench{i}@example.com", password_hash=password_hash, plan=PLAN, change_seq=count
        )
        session = AuthSession(user_id=account.id)
        owned = [_monitor(rng, account.id, seq, now) for seq in range(1, count + 1)]
        accounts.append(account)
        sessions.append(session)
        monitors += owned
        claims = AccessClaims(account.id, session.id)
        token = make_access_token(
            claims, keys=SigningKeys.of(JWT_SECRET), issuer=ISSUER, now=now, ttl=timedelta(hours=2)
        )
        room = plan_of(PLAN).synced_monitors - count
        users.append(BenchUser(token, [str(m.id) for m in owned], room))
    with psycopg.connect(libpq_url(url)) as conn:
        # Rows are consistent by construction: skip the per-row foreign-key triggers.
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cur:
            for rows in (accounts, sessions, monitors):
                copy_models(cur, rows)
        conn.commit()
        timings["users_monitors_s"] = time.perf_counter() - started
        step = time.perf_counter()
        per = math.ceil(options.checks / max(options.monitors, 1))
        conn.execute(CHECKS_SQL, {"now": now, "per": per, "total": options.checks})
        conn.commit()
        timings["checks_s"] = time.perf_counter() - step
        step = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
        timings["vacuum_analyze_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - started
    return users, timings


def database_sizes(url: str) -> tuple[int, dict[str, int]]:
    """Return the database's size and each table's (with its indexes and TOAST), in bytes."""
    with psycopg.connect(libpq_url(url)) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        tables = conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC"
        ).fetchall()
    return int(size[0]) if size else 0, {str(name): int(b) for name, b in tables}


def start_profiler(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Start py-spy sampling the server for seconds into out (collapsed stacks, one per line)."""
    spy = shutil.which("py-spy") or str(PY_SPY)
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    # --gil: samples of the thread holding the GIL, i.e. where the interpreter's time goes
    return py_spy_record(pid, out, rate=200, seconds=math.ceil(seconds), gil=True, spy=spy)


# -- figures ----------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _logged_error(line: str) -> str | None:
    """Return the exception type (or message) of an error line of the server log, else None.

    The server logs JSON lines (an "exception" field holds the traceback) or, in text mode,
    plain tracebacks ending in "module.ErrorType: message".
    """
    if line.startswith("{"):
        try:
            entry = json.loads(line)
        except ValueError:
            return None
        if not isinstance(entry, dict) or entry.get("level") not in ("error", "critical"):
            return None
        last = str(entry.get("exception") or entry.get("message", "")).strip().splitlines()
        return (last[-1] if last else "error").partition(": ")[0][:80]
    name, sep, _ = line.partition(": ")
    if sep and not line.startswith(" ") and name.endswith(EXCEPTION_SUFFIXES):
        return name
    return None


def server_log_errors(log: str) -> tuple[dict[str, int], str]:
    """Return the errors the server logged, by exception type, and the first one's last line."""
    found: Counter[str] = Counter()
    example = ""
    for line in log.splitlines():
        name = _logged_error(line)
        if name is not None:
            found[name] += 1
            if not example:
                text = line
                if line.startswith("{"):
                    entry = json.loads(line)
                    text = str(entry.get("exception") or entry.get("message")).splitlines()[-1]
                example = text.split(" (Background on this error", 1)[0][:200]
    return dict(found.most_common()), example


def phase_figures(kind: str, raw: PhaseRaw, rate: float, log: str) -> PhaseFigures:
    """Turn one phase's raw samples into figures and a verdict."""
    latencies = sorted(raw.latencies_ms)
    sent = len(latencies)
    ok = sum(n for status, n in raw.statuses.items() if status.startswith("2"))
    # CPU is divided by the requests answered: unfinished ones did not cost their full share.
    answered = sent - raw.statuses["unfinished"]
    achieved = ok / max(raw.last_ok_s, raw.window_s) if ok else 0.0
    p99 = percentile(latencies, 0.99)
    server_ms = round(1000 * raw.server_cpu_s / answered, 3) if answered else None
    db_ms = round(1000 * raw.db_cpu_s / answered, 3) if answered else None
    errors, example = server_log_errors(log)
    return PhaseFigures(
        endpoint=ENDPOINTS[kind],
        requested_rate=rate,
        sent=sent,
        ok=ok,
        errors=sent - ok,
        statuses=dict(sorted(raw.statuses.items())),
        achieved_rate=round(achieved, 1),
        p50_ms=round(percentile(latencies, 0.50), 2),
        p95_ms=round(percentile(latencies, 0.95), 2),
        p99_ms=round(p99, 2),
        max_ms=round(max(latencies, default=0.0), 2),
        mean_response_bytes=round(raw.response_bytes / max(ok, 1)),
        server_cpu_ms_per_request=server_ms,
        server_core_share=round(raw.server_cpu_s / max(raw.cpu_elapsed_s, 1e-9), 3),
        db_cpu_ms_per_request=db_ms,
        loadgen_cpu_ms_per_request=round(1000 * raw.loadgen_cpu_s / max(sent, 1), 3),
        loadgen_send_lag_p99_ms=round(percentile(sorted(raw.send_lags_ms), 0.99), 2),
        server_errors=errors,
        server_error_example=example,
        passed=(
            sent > 0
            and ok == sent
            and p99 <= P99_MS_MAX
            and rate >= TARGET_RATE
            and achieved >= RATE_SHARE_MIN * rate
        ),
    )


def versions() -> dict[str, str]:
    """Return the versions that shape the figures, and uvicorn's HTTP parser and loop."""
    names = ("fastapi", "starlette", "pydantic", "sqlalchemy", "psycopg", "uvicorn", "limits")
    found = {name: package_version(name) for name in names}
    found["python"] = platform.python_version()
    found["code"] = code_revision("sync_server")
    found["uvicorn_http"] = "httptools" if find_spec("httptools") else "h11"
    found["uvicorn_loop"] = "uvloop" if find_spec("uvloop") else "asyncio"
    return found


def run_endpoint(
    kind: str, options: Options, users: list[BenchUser], database: tuple[str, int], tmp: Path
) -> tuple[PhaseFigures | None, PhaseFigures, str | None]:
    """Run one endpoint on a fresh server: calibration (optional), then the measured phase.

    A fresh server per endpoint: a phase that overloads it cannot leave work for the next.
    Returns (calibration figures, phase figures, py-spy output path).
    """
    url, postmaster = database
    api = ApiServer(url, tmp / f"server-{kind}.log")
    context = get_context("spawn")
    profile: str | None = None
    try:
        pid = api.start()
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            calibration = None
            plan = LoadPlan(
                api.base_url, kind, options.calibrate_rate, 1.0, 5.0, options.drain,
                options.connections, users, pid, postmaster, SEED,
            )  # fmt: skip
            if options.calibrate_rate > 0:
                raw = pool.submit(run_load, plan).result()
                calibration = phase_figures(kind, raw, plan.rate, api.log_text())
                api.clear_log()
            plan = replace(
                plan,
                rate=options.rate,
                warmup=options.warmup,
                seconds=options.seconds,
                seed=SEED + 1,
            )
            spy = None
            if options.profile is not None:
                options.profile.mkdir(parents=True, exist_ok=True)
                profile = str(options.profile / f"{kind}.txt")
                spy = start_profiler(pid, Path(profile), options.warmup + options.seconds)
            raw = pool.submit(run_load, plan).result()
            if spy is not None:
                spy.wait(timeout=60)
    finally:
        api.stop()
    return calibration, phase_figures(kind, raw, options.rate, api.log_text()), profile


def measure(options: Options) -> Figures:
    """Run the whole benchmark and return its figures."""
    loadavg = os.getloadavg()[0]
    server = PostgresServer().start()
    calibration: dict[str, PhaseFigures] = {}
    phases: dict[str, PhaseFigures] = {}
    profiles: dict[str, str] = {}
    try:
        url = create_database(server)
        users, timings = load_data(url, options)
        db_bytes, table_bytes = database_sizes(url)
        postmaster = postmaster_pid(server)
        with tempfile.TemporaryDirectory(prefix="upwatch-bench-api-") as tmp:
            for kind in options.phases:
                low, phase, profile = run_endpoint(
                    kind, options, users, (url, postmaster), Path(tmp)
                )
                phases[kind] = phase
                if low is not None:
                    calibration[kind] = low
                if profile is not None:
                    profiles[kind] = profile
    finally:
        server.stop()
    return Figures(
        users=options.users,
        monitors=options.monitors,
        checks=options.checks,
        load_s={name: round(seconds, 2) for name, seconds in timings.items()},
        db_bytes=db_bytes,
        table_bytes=table_bytes,
        rate=options.rate,
        warmup_s=options.warmup,
        seconds=options.seconds,
        versions=versions(),
        cpus=os.cpu_count() or 0,
        loadavg_before=round(loadavg, 2),
        calibrate_rate=options.calibrate_rate,
        calibration=calibration,
        phases=phases,
        profiles=profiles,
    )


HEADER = (
    f"{'endpoint':<32} {'rate':>5} {'sent':>5} {'err':>4} {'req/s':>6} {'p50':>7} {'p95':>7}"
    f" {'p99':>8} {'max':>8} {'srv CPU':>8} {'core':>5} {'DB CPU':>7} {'bytes':>6}  verdict"
)


def _ms(value: float | None) -> str:
    """Return milliseconds with two decimals, or "n/a"."""
    return "n/a" if value is None else f"{value:.2f}"


def _row(p: PhaseFigures, verdict: str) -> str:
    """Return one endpoint's line of the table."""
    return (
        f"{p['endpoint']:<32} {p['requested_rate']:>5g} {p['sent']:>5} {p['errors']:>4}"
        f" {p['achieved_rate']:>6.1f} {p['p50_ms']:>7.1f} {p['p95_ms']:>7.1f}"
        f" {p['p99_ms']:>8.1f} {p['max_ms']:>8.1f} {_ms(p['server_cpu_ms_per_request']):>8}"
        f" {p['server_core_share']:>5.0%} {_ms(p['db_cpu_ms_per_request']):>7}"
        f" {p['mean_response_bytes']:>6.0f}  {verdict}"
    )


def report(f: Figures) -> str:
    """Return the figures as a table, one PASS/MISS per endpoint."""
    v = f["versions"]
    mb = 1024 * 1024
    sizes = ", ".join(
        f"{name} {size / mb:.0f}" for name, size in f["table_bytes"].items() if size >= mb
    )
    load = f["load_s"]
    lines = [
        f"Upwatch API benchmark: {f['users']} users, {f['monitors']} monitors,"
        f" {f['checks']} checks; one uvicorn worker ({v['uvicorn_http']}, {v['uvicorn_loop']})",
        f"python {v['python']}, fastapi {v['fastapi']}, starlette {v['starlette']},"
        f" pydantic {v['pydantic']}, sqlalchemy {v['sqlalchemy']}, psycopg {v['psycopg']},"
        f" uvicorn {v['uvicorn']}; {f['cpus']} CPUs, load average before {f['loadavg_before']}",
        f"code under test: {v['code']}",
        f"data load {load['total_s']:.1f} s (users + monitors {load['users_monitors_s']:.1f} s,"
        f" checks {load['checks_s']:.1f} s, VACUUM ANALYZE + CHECKPOINT"
        f" {load['vacuum_analyze_s']:.1f} s); database {f['db_bytes'] / mb:.0f} MB"
        f" (tables of 1 MB or more, with indexes: {sizes})",
        f"each endpoint on a fresh server: {f['calibrate_rate']:g} req/s for 1 + 5 s (unloaded"
        f" CPU), then {f['rate']:g} req/s for {f['warmup_s']:g} s warm-up + {f['seconds']:g} s"
        " measured; open loop, latency from the scheduled send time",
        "",
        HEADER,
    ]
    lines += [_row(p, "-") for p in f["calibration"].values()]
    lines += [_row(p, "PASS" if p["passed"] else "MISS") for p in f["phases"].values()]
    lines += [
        "",
        f"latency in ms; target: p99 <= {P99_MS_MAX:g} ms at {TARGET_RATE:g} req/s, no errors,"
        f" >= {RATE_SHARE_MIN:.0%} of the rate achieved. srv / DB CPU: ms per answered request"
        " of the uvicorn process / of all PostgreSQL processes; core: the server's share of one"
        " core; unfinished: no answer within --drain s after the last send.",
    ]
    for p in [*f["calibration"].values(), *f["phases"].values()]:
        errors = ", ".join(f"{name} x{n}" for name, n in p["server_errors"].items())
        lines.append(
            f"{p['endpoint']} at {p['requested_rate']:g}/s: statuses {p['statuses']};"
            f" load generator {p['loadgen_cpu_ms_per_request']:.2f} ms CPU per request,"
            f" send lag p99 {p['loadgen_send_lag_p99_ms']:.1f} ms"
            + (f"; server logged {errors}: {p['server_error_example']}" if errors else "")
        )
    lines += [f"profile of {kind}: {path}" for kind, path in f["profiles"].items()]
    return "\n".join(lines)


# -- entry point ------------------------------------------------------------------------------


def parse_options(argv: list[str] | None) -> Options:
    """Return the options given on the command line; exit 2 on bad ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=100, help="accounts (default 100)")
    parser.add_argument("--monitors", type=int, default=10_000, help="monitors (default 10000)")
    parser.add_argument("--checks", type=int, default=1_000_000, help="checks (default 1000000)")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="requests/s (200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured per endpoint (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured warm-up (3 s)")
    parser.add_argument("--drain", type=float, default=10.0, help="wait for stragglers (10 s)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive pool (64)")
    parser.add_argument(
        "--calibrate-rate",
        type=float,
        default=50.0,
        help="5 s at this rate first, for CPU per request unloaded (50; 0: off)",
    )
    parser.add_argument(
        "--only", choices=sorted(ENDPOINTS), action="append", help="endpoint (repeatable)"
    )
    parser.add_argument("--profile", type=Path, help="py-spy each phase into this directory")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    per_user = math.ceil(args.monitors / max(args.users, 1))
    if args.users < 1 or args.monitors < args.users:
        parser.error("need at least one user and one monitor per user")
    if per_user >= plan_of(PLAN).synced_monitors:
        parser.error(f"at most {plan_of(PLAN).synced_monitors - 1} monitors per user")
    if args.checks < 0 or args.rate <= 0 or args.seconds < 1 or args.warmup < 0:
        parser.error("--checks >= 0, --rate > 0, --seconds >= 1 and --warmup >= 0")
    if args.calibrate_rate < 0:
        parser.error("--calibrate-rate must not be negative")
    phases = tuple(kind for kind in ENDPOINTS if not args.only or kind in args.only)
    return Options(
        args.users, args.monitors, args.checks, args.rate, args.seconds, args.warmup,
        args.drain, args.connections, args.calibrate_rate, phases, args.profile, args.json,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return 0 (a MISS is a figure, not a failure)."""
    return run_and_print(parse_options(argv), measure, report)


if __name__ == "__main__":
    raise SystemExit(main())
