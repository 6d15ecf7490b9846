"""Engine benchmark ("local monitoring core"): the real headless runner against a local site.

N monitors at an interval of I seconds check a local target server (bench/target.py, in its
own process so its CPU is not counted). The real `Monitoring` service runs in this process on
uvloop, as `upwatch run` does. After a warm-up, one window of W seconds is measured:

- CPU per check: process CPU time (all threads) over the window / checks started in it
- RSS: peak (ru_maxrss) and current (VmRSS)
- start lateness p50 / p99 / max of the checks started in the window
- peak-to-average starts per second, over 1-second bins of the window
- SQLite bytes per stored check: growth of the checkpointed file over the same database
  holding only the monitors, divided by the rows in `checks`

Each figure is compared to its target (PASS / MISS). `--json` prints one JSON object instead.

    .venv/bin/python bench/engine.py [--monitors 1000] [--interval 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypedDict

from desktop.config import DB_FILE
from desktop.runtime.monitoring import Monitoring
from desktop.services.monitors import MonitorService
from desktop.storage.codes import STATUS_CODE
from desktop.storage.database import Database
from shared.loop import fast_loop_factory
from shared.monitor import MonitorSpec
from shared.status import Status

TARGET_SCRIPT = Path(__file__).with_name("target.py")
WRITER_THREAD = "upwatch-writer"

# Targets of the "local monitoring core" issue.
CPU_MS_PER_CHECK_MAX = 1.0
RSS_MB_MAX = 120.0
LATENESS_P99_MS_MAX = 1000.0
PEAK_TO_AVERAGE_MAX = 1.5
BYTES_PER_CHECK_MAX = 80.0


class Figures(TypedDict):
    """Everything the benchmark measured, as printed by --json."""

    monitors: int
    interval_s: int
    warmup_s: float
    window_s: float
    python: str
    uvloop: str
    aiohttp: str
    sqlite: str
    checks_started: int
    checks_rows: int
    checks_up: int
    results_committed: int
    skipped_busy: int
    cpu_ms_per_check: float
    writer_cpu_ms_per_check: float | None
    rss_peak_mb: float
    rss_current_mb: float
    rss_after_setup_mb: float
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float
    starts_per_s_peak: int
    starts_per_s_mean: float
    peak_to_average: float
    db_baseline_bytes: int
    db_final_bytes: int
    bytes_per_check: float | None
    window_bytes_per_check: float | None
    table_growth_bytes: dict[str, int]
    checks_table_bytes_per_row: float | None
    target_answered: int | None
    passed: dict[str, bool]


@dataclass(frozen=True, slots=True)
class Options:
    """The benchmark's parameters."""

    monitors: int
    interval: int
    seconds: float
    warmup: float
    as_json: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Counters read at one instant: monotonic time, process and writer CPU, checks started."""

    at: float
    cpu_s: float
    writer_cpu_s: float | None
    started: int


@dataclass(frozen=True, slots=True)
class Sizes:
    """The database after the run, and what the target server saw."""

    baseline: int
    final: int
    rows: int
    up: int
    baseline_tables: dict[str, int]
    tables: dict[str, int]
    target_answered: int | None


@dataclass(frozen=True, slots=True)
class Window:
    """What the runner did between two snapshots."""

    before: Snapshot
    after: Snapshot
    db_before: tuple[int, int]
    db_after: tuple[int, int]
    lateness_s: list[float]
    start_times: list[float]
    committed: int
    skipped_busy: int


# -- the target server ------------------------------------------------------------------------


class TargetServer:
    """bench/target.py in its own process: start() returns its port, stop() its request count."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> int:
        """Start the server and return the port it listens on."""
        self._proc = proc = subprocess.Popen(
            [sys.executable, str(TARGET_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"target server did not print its port (got {line!r})")
        return int(line)

    def stop(self) -> int | None:
        """Stop the server; return how many requests it answered (None if it did not say)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        for line in output.splitlines():
            if line.startswith("answered "):
                return int(line.split()[1])
        return None


# -- measuring helpers ------------------------------------------------------------------------


def checkpointed_size(path: Path) -> int:
    """Fold the WAL into the database file, truncate the WAL, and return the file's size."""
    conn = sqlite3.connect(str(path))
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError("WAL checkpoint was blocked by another connection")
    finally:
        conn.close()
    return path.stat().st_size


def table_bytes(path: Path) -> dict[str, int]:
    """Return the bytes of pages each table and index uses (SQLite's dbstat), largest first."""
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return {}
    finally:
        conn.close()
    return {str(name): int(size) for name, size in rows}


def db_point(path: Path) -> tuple[int, int]:
    """Return (committed database size in bytes, rows in checks), WAL included, in one read."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("BEGIN")
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        rows = int(conn.execute("SELECT count(*) FROM checks").fetchone()[0])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return pages * page_size, rows


def check_counts(path: Path) -> tuple[int, int]:
    """Return (rows in checks, of which up)."""
    conn = sqlite3.connect(str(path))
    try:
        total, up = conn.execute(
            "SELECT count(*), coalesce(sum(status = ?), 0) FROM checks",
            (STATUS_CODE[Status.UP],),
        ).fetchone()
    finally:
        conn.close()
    return int(total), int(up)


def rss_mb() -> tuple[float, float]:
    """Return (peak RSS, current RSS) of this process in MB."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    current_kb = 0
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current_kb = int(line.split()[1])
                break
    return peak_kb / 1024, current_kb / 1024


def thread_cpu_s(name: str) -> float | None:
    """Return the CPU seconds used so far by the live thread called name (Linux), else None."""
    for thread in threading.enumerate():
        if thread.name == name and thread.native_id is not None:
            try:
                text = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
            except OSError:
                return None
            fields = text.rsplit(")", 1)[1].split()
            utime, stime = int(fields[11]), int(fields[12])
            return (utime + stime) / os.sysconf("SC_CLK_TCK")
    return None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def per_second_bins(start_times: Sequence[float], begin: float, seconds: int) -> list[int]:
    """Return how many starts fell in each whole second from begin (partial seconds dropped)."""
    bins = [0] * seconds
    for at in start_times:
        index = math.floor(at - begin)
        if 0 <= index < seconds:
            bins[index] += 1
    return bins


# -- setup and run ----------------------------------------------------------------------------


def create_monitors(path: Path, options: Options, port: int) -> None:
    """Store options.monitors monitors, all pointing at the target server."""
    db = Database(path)
    try:
        service = MonitorService(db)
        for i in range(options.monitors):
            service.add(
                MonitorSpec(
                    name=f"bench {i}",
                    url=f"http://127.0.0.1:{port}/m/{i}",
                    interval=options.interval,
                    timeout=min(10.0, float(options.interval)),
                )
            )
    finally:
        db.close()


def snapshot(monitoring: Monitoring) -> Snapshot:
    """Read the counters the figures are computed from."""
    return Snapshot(
        at=time.monotonic(),
        cpu_s=time.process_time(),
        writer_cpu_s=thread_cpu_s(WRITER_THREAD),
        started=monitoring.scheduler.stats.started,
    )


async def run_window(path: Path, options: Options) -> Window:
    """Run the monitoring service: warm up, measure one window, stop; return the window."""
    db = Database(path)
    monitoring = Monitoring(db, route_check=lambda: True)
    try:
        await monitoring.start()
        await asyncio.sleep(options.warmup)
        # The database is read outside the CPU window, so reading it costs the runner nothing.
        db_before = db_point(path)
        before = snapshot(monitoring)
        await asyncio.sleep(options.seconds)
        after = snapshot(monitoring)
        db_after = db_point(path)
        stats = monitoring.scheduler.stats
        # lateness and start_times are appended together, so they stay aligned.
        pairs = [
            (late, at)
            for late, at in zip(stats.lateness, stats.start_times, strict=True)
            if before.at <= at < after.at
        ]
        skipped = stats.skipped_busy
    finally:
        await monitoring.stop()
        db.close()
    return Window(
        before=before,
        after=after,
        db_before=db_before,
        db_after=db_after,
        lateness_s=[late for late, _ in pairs],
        start_times=[at for _, at in pairs],
        committed=monitoring.writer.committed,
        skipped_busy=skipped,
    )


def _version(package: str) -> str:
    """Return an installed package's version, or "missing"."""
    try:
        return version(package)
    except Exception:  # PackageNotFoundError and broken metadata alike
        return "missing"


# -- figures ----------------------------------------------------------------------------------


def measure(options: Options) -> Figures:
    """Run the whole benchmark and return its figures."""
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as home:
        os.environ["UPWATCH_HOME"] = home
        path = Path(home) / DB_FILE
        target = TargetServer()
        try:
            port = target.start()
            create_monitors(path, options, port)
            baseline = checkpointed_size(path)
            baseline_tables = table_bytes(path)
            _, rss_after_setup = rss_mb()
            with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
                window = runner.run(run_window(path, options))
        finally:
            answered = target.stop()
        rss_peak, rss_current = rss_mb()
        final = checkpointed_size(path)
        rows, up = check_counts(path)
        tables = table_bytes(path)
    sizes = Sizes(baseline, final, rows, up, baseline_tables, tables, answered)
    return _figures(options, window, sizes, (rss_after_setup, rss_peak, rss_current))


def _figures(
    options: Options, window: Window, sizes: Sizes, rss: tuple[float, float, float]
) -> Figures:
    """Turn raw counters into the figures and their PASS/MISS verdicts."""
    rss_after_setup, rss_peak, rss_current = rss
    baseline, final, rows = sizes.baseline, sizes.final, sizes.rows
    before, after = window.before, window.after
    started = after.started - before.started
    cpu_ms = 1000 * (after.cpu_s - before.cpu_s) / max(started, 1)
    writer_ms: float | None = None
    if before.writer_cpu_s is not None and after.writer_cpu_s is not None:
        writer_ms = 1000 * (after.writer_cpu_s - before.writer_cpu_s) / max(started, 1)
    lateness = sorted(1000 * late for late in window.lateness_s)
    bins = per_second_bins(window.start_times, before.at, int(after.at - before.at))
    mean_bin = sum(bins) / len(bins) if bins else 0.0
    peak_bin = max(bins, default=0)
    peak_to_average = peak_bin / mean_bin if mean_bin else 0.0
    bytes_per_check = (final - baseline) / rows if rows else None
    checks_bytes = sizes.tables.get("checks", 0)
    growth = {
        name: size - sizes.baseline_tables.get(name, 0)
        for name, size in sizes.tables.items()
        if size != sizes.baseline_tables.get(name, 0)
    }
    (db0, rows0), (db1, rows1) = window.db_before, window.db_after
    window_bytes = (db1 - db0) / (rows1 - rows0) if rows1 > rows0 else None
    p99 = percentile(lateness, 0.99)
    return Figures(
        monitors=options.monitors,
        interval_s=options.interval,
        warmup_s=options.warmup,
        window_s=round(after.at - before.at, 3),
        python=platform.python_version(),
        uvloop=_version("uvloop"),
        aiohttp=_version("aiohttp"),
        sqlite=sqlite3.sqlite_version,
        checks_started=started,
        checks_rows=rows,
        checks_up=sizes.up,
        results_committed=window.committed,
        skipped_busy=window.skipped_busy,
        cpu_ms_per_check=round(cpu_ms, 4),
        writer_cpu_ms_per_check=None if writer_ms is None else round(writer_ms, 4),
        rss_peak_mb=round(rss_peak, 1),
        rss_current_mb=round(rss_current, 1),
        rss_after_setup_mb=round(rss_after_setup, 1),
        lateness_p50_ms=round(percentile(lateness, 0.50), 2),
        lateness_p99_ms=round(p99, 2),
        lateness_max_ms=round(max(lateness, default=0.0), 2),
        starts_per_s_peak=peak_bin,
        starts_per_s_mean=round(mean_bin, 2),
        peak_to_average=round(peak_to_average, 3),
        db_baseline_bytes=baseline,
        db_final_bytes=final,
        bytes_per_check=None if bytes_per_check is None else round(bytes_per_check, 1),
        window_bytes_per_check=None if window_bytes is None else round(window_bytes, 1),
        table_growth_bytes=dict(sorted(growth.items(), key=lambda item: -item[1])),
        checks_table_bytes_per_row=round(checks_bytes / rows, 1) if rows else None,
        target_answered=sizes.target_answered,
        passed={
            "cpu_ms_per_check": cpu_ms <= CPU_MS_PER_CHECK_MAX,
            "rss_peak_mb": rss_peak <= RSS_MB_MAX,
            "lateness_p99_ms": p99 <= LATENESS_P99_MS_MAX,
            "peak_to_average": mean_bin > 0 and peak_to_average <= PEAK_TO_AVERAGE_MAX,
            # steady state: what the window's checks added, after every monitor's one-off rows
            "bytes_per_check": window_bytes is not None and window_bytes <= BYTES_PER_CHECK_MAX,
        },
    )


def _verdict(ok: bool) -> str:
    """Return PASS or MISS."""
    return "PASS" if ok else "MISS"


def _number(value: float | None, digits: int) -> str:
    """Return value with digits decimals, or "n/a"."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(f: Figures) -> str:
    """Return the figures as a human-readable report, one PASS/MISS per target."""
    ok = f["passed"]
    growth = ", ".join(
        f"{name} {size / 1024:+.0f}" for name, size in list(f["table_growth_bytes"].items())[:5]
    )
    answered = f["target_answered"]
    lines = [
        f"Upwatch engine benchmark: {f['monitors']} monitors every {f['interval_s']} s,"
        f" {f['window_s']:.1f} s measured after {f['warmup_s']:g} s of warm-up",
        f"python {f['python']}, uvloop {f['uvloop']}, aiohttp {f['aiohttp']}, SQLite {f['sqlite']}",
        f"checks started in window      {f['checks_started']}"
        f"  (skipped while busy: {f['skipped_busy']})",
        f"rows in checks                {f['checks_rows']}  (up: {f['checks_up']};"
        f" target answered {'n/a' if answered is None else answered} requests)",
        f"results committed             {f['results_committed']}",
        f"CPU per check                 {f['cpu_ms_per_check']:.3f} ms"
        f"   target <= {CPU_MS_PER_CHECK_MAX:g} ms   {_verdict(ok['cpu_ms_per_check'])}",
        f"  of which writer thread      {_number(f['writer_cpu_ms_per_check'], 3)} ms",
        f"peak RSS                      {f['rss_peak_mb']:.1f} MB"
        f"   target <= {RSS_MB_MAX:g} MB   {_verdict(ok['rss_peak_mb'])}",
        f"  current RSS                 {f['rss_current_mb']:.1f} MB"
        f"  (after setup, before the runner: {f['rss_after_setup_mb']:.1f} MB)",
        f"start lateness p50/p99/max    {f['lateness_p50_ms']:.2f} / {f['lateness_p99_ms']:.2f}"
        f" / {f['lateness_max_ms']:.2f} ms   p99 target <= {LATENESS_P99_MS_MAX:g} ms"
        f"   {_verdict(ok['lateness_p99_ms'])}",
        f"peak/average starts per s     {f['peak_to_average']:.3f}"
        f"  (peak {f['starts_per_s_peak']}, mean {f['starts_per_s_mean']:.2f})"
        f"   target <= {PEAK_TO_AVERAGE_MAX:g}   {_verdict(ok['peak_to_average'])}",
        f"SQLite bytes per stored check {_number(f['window_bytes_per_check'], 1)}"
        "  (file growth in the window / checks stored in it)"
        f"   target <= {BYTES_PER_CHECK_MAX:g}   {_verdict(ok['bytes_per_check'])}",
        f"  checks table alone          {_number(f['checks_table_bytes_per_row'], 1)}"
        " bytes per row",
        f"  whole run incl. one-off     {_number(f['bytes_per_check'], 1)}"
        f"  (({f['db_final_bytes']} - {f['db_baseline_bytes']}) / {f['checks_rows']};"
        " each monitor's state and first rollup rows, ~300 B, are paid once)",
        f"  growth by table (KiB)       {growth or 'n/a (SQLite without dbstat)'}",
    ]
    return "\n".join(lines)


# -- entry point ------------------------------------------------------------------------------


def parse_options(argv: list[str] | None) -> Options:
    """Return the options given on the command line; exit 2 on bad ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--monitors", type=int, default=1000, help="monitors (default 1000)")
    parser.add_argument("--interval", type=int, default=20, help="seconds between checks")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window (s)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="unmeasured warm-up (s); default: one interval + 5 s, so every monitor ran once",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.monitors < 1:
        parser.error("--monitors must be at least 1")
    if args.interval < 5:
        parser.error("--interval must be at least 5 s (the shortest a monitor allows)")
    warmup = args.interval + 5.0 if args.warmup is None else args.warmup
    if args.seconds < 1 or warmup < 0:
        parser.error("--seconds must be at least 1 and --warmup not negative")
    return Options(args.monitors, args.interval, args.seconds, warmup, args.json)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return 0 (a MISS is a figure, not a failure)."""
    options = parse_options(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    figures = measure(options)
    if options.as_json:
        print(json.dumps(figures))
    else:
        print(report(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
