"""Status page benchmark: latency and CPU per request of the public pages (issue 8).

A private PostgreSQL gets one published page of 50 cloud-checked monitors with a year of
hourly and daily rollups (tests/support/status_history.py: about 440,000 hourly and 18,000
daily rows), 200 incidents and each monitor's latest checks; `upwatch server` serves it in
its own process (one worker), and this process asks for each public URL one request at a
time, after a warm-up:

- GET /s/{slug}                            the HTML page
- GET /api/public/status-pages/{slug}      the same as JSON
- GET /s/{slug} with If-None-Match         a repeat visit (304)
- GET /api/public/badges/{id}/uptime.svg   one monitor's badge

Per URL: p50 / p95 / p99 / max latency, bytes sent (gzipped: the client takes gzip, as
browsers do), CPU per request of the server process and of PostgreSQL (utime + stime from
/proc) and how many answers were 304. Target: p95 <= 100 ms for the page.

    .venv/bin/python bench/status_page.py [--requests 300] [--monitors 50] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from common import (  # common puts the repo on sys.path for what follows
    DATA_KEY,
    ApiServer,
    create_database,
    postgres_cpu_s,
    postmaster_pid,
    process_cpu_s,
)
from sqlalchemy import create_engine, text

from tests.support.postgres import PostgresServer
from tests.support.status_history import (
    add_incident,
    add_page,
    add_results,
    synthetic_history,
)

os.environ.setdefault("UPWATCH_DATA_KEYS", DATA_KEY)  # the test rows seal channel configs
from tests.sync_server.rows import insert_monitors, insert_user, monitor_row

P95_MS_MAX = 100.0
SLUG = "bench-status"


def seed(url: str, monitors: int, days: int) -> list[uuid.UUID]:
    """The page, its monitors and their history; return the monitors' ids."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    rng = random.Random(7)
    user = insert_user(engine, "business")
    rows = [monitor_row(user, f"https://m{n}.example.com", name=f"Service {n:02d}")
            for n in range(monitors)]  # fmt: skip
    ids = insert_monitors(engine, rows)
    synthetic_history(engine, ids, "cloud", now, days)
    for n in range(200):
        start = now - timedelta(days=rng.uniform(0, days), minutes=rng.uniform(0, 600))
        ended = start + timedelta(minutes=rng.randint(1, 90))
        add_incident(engine, ids[n % monitors], "cloud", start, ended, "timeout after 30 s")
    for monitor in ids:
        add_results(engine, monitor, "cloud", [(now - timedelta(minutes=m), "up", 120)
                                               for m in range(3)])  # fmt: skip
    add_page(engine, user, SLUG, "Bench", ids)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("rollups_hourly", "rollups_daily", "incidents", "checks")}  # fmt: skip
    engine.dispose()
    print("loaded: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return ids


def percentile(values: list[float], fraction: float) -> float:
    """The value at fraction of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure(
    http: httpx.Client, path: str, count: int, server_pid: int, postmaster: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:  # fmt: skip
    """Send count requests one at a time; return latency, size and CPU figures."""
    for _ in range(10):
        http.get(path, headers=headers)
    times, size, not_modified = [], 0, 0
    cpu0, pg0 = process_cpu_s(server_pid), postgres_cpu_s(postmaster)
    for _ in range(count):
        if headers is not None:  # a repeat visit holds the version of this minute
            headers = {"If-None-Match": http.get(path).headers["etag"]}
        start = time.perf_counter()
        answer = http.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        if answer.status_code not in (200, 304):
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
        not_modified += answer.status_code == 304
        size = answer.num_bytes_downloaded  # as sent: gzipped when it was
    # a repeat visit costs two requests here (the one that learns the ETag): halve its CPU
    sent = count * (2 if headers is not None else 1)
    cpu = (process_cpu_s(server_pid) - cpu0) / sent * 1000
    pg = (postgres_cpu_s(postmaster) - pg0) / sent * 1000
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99), "max": max(times), "size": size,
            "cpu_ms": cpu, "pg_cpu_ms": pg, "not_modified": not_modified}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--monitors", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        postgres = PostgresServer().start()
        try:
            url = create_database(postgres)
            started = time.perf_counter()
            ids = seed(url, options.monitors, options.days)
            print(f"seeded in {time.perf_counter() - started:.1f} s")
            server = ApiServer(url, Path(work) / "server.log")
            pid = server.start()
            try:
                with httpx.Client(base_url=server.base_url, timeout=30) as http:
                    cases = [
                        ("GET /s/{slug}", f"/s/{SLUG}", None),
                        ("GET /api/public/status-pages/{slug}",
                         f"/api/public/status-pages/{SLUG}", None),
                        ("GET /s/{slug} (If-None-Match: 304)", f"/s/{SLUG}", {}),
                        ("GET badge uptime.svg", f"/api/public/badges/{ids[0]}/uptime.svg", None),
                    ]  # fmt: skip
                    print(f"\n{options.monitors} monitors, {options.days} days of rollups,"
                          f" {options.requests} requests per URL one at a time,"
                          " one server worker")  # fmt: skip
                    print(f"{'request':<40} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
                          f" {'sent':>8} {'CPU/req':>8} {'PG/req':>7} {'304s':>5}")  # fmt: skip
                    page_p95 = 0.0
                    for name, path, headers in cases:
                        f = measure(http, path, options.requests, pid, postmaster_pid(postgres),
                                    headers)  # fmt: skip
                        if name == "GET /s/{slug}":
                            page_p95 = f["p95"]
                        print(f"{name:<40} {f['p50']:>5.1f}ms {f['p95']:>5.1f}ms"
                              f" {f['p99']:>5.1f}ms {f['max']:>5.1f}ms {int(f['size']):>8,}"
                              f" {f['cpu_ms']:>6.1f}ms {f['pg_cpu_ms']:>5.1f}ms"
                              f" {int(f['not_modified']):>5}")  # fmt: skip
                verdict = "PASS" if page_p95 <= P95_MS_MAX else "MISS"
                print(f"\ntarget: page p95 <= {P95_MS_MAX:.0f} ms: {verdict} ({page_p95:.1f} ms)")
            finally:
                server.stop()
        finally:
            postgres.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
