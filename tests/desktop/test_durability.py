"""Crashes, kills and a clean stop lose no acknowledged result, and a laptop
with no network raises no alert. These start real processes."""

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.target import TargetServer

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("writer_crash_child.py")


def child_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "UPWATCH_HOME": str(home),
        "PYTHONUNBUFFERED": "1",
    }


def read_acks(proc: subprocess.Popen[str], want: int, timeout: float = 20.0) -> int:
    """Read the child's 'acked N' lines until at least `want` acks; return the last N."""
    assert proc.stdout is not None
    last = 0
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < want:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child ended early: {proc.stderr.read() if proc.stderr else ''}")
        if line.startswith("acked "):
            last = int(line.split()[1])
            seen += 1
        assert time.monotonic() < deadline, "no acks in time"
    return last


def consistent_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        checks = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
        hourly = conn.execute(
            "SELECT total(up + degraded + down + unknown) FROM rollups_hourly"
        ).fetchone()[0]
        daily = conn.execute(
            "SELECT total(up + degraded + down + unknown) FROM rollups_daily"
        ).fetchone()[0]
        assert checks == hourly == daily, "checks and rollups were committed apart"
        return int(checks)
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_never_loses_an_acknowledged_result(tmp_path: Path) -> None:
    """50 kills at random times: integrity ok, rows >= acked, restart resumes."""
    path = tmp_path / "crash.sqlite3"
    rng = random.Random(20261126)
    stored = 0
    for _ in range(50):
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(tmp_path),
        )
        acked = read_acks(proc, want=rng.randint(1, 12))
        time.sleep(rng.uniform(0, 0.02))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        count = consistent_count(path)
        assert count >= stored + acked, "an acknowledged result was lost"
        stored = count
    assert stored > 0


def upwatch(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", *argv],
        env=child_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def seed(home: Path, urls: list[str], **fields: object) -> None:
    """Create monitors in one `upwatch import` (one process instead of one per monitor)."""
    home.mkdir(parents=True, exist_ok=True)
    monitors = [
        {"url": url, "name": f"m{i}", "interval": 5, **fields} for i, url in enumerate(urls)
    ]
    path = home / "seed.json"
    path.write_text(json.dumps({"monitors": monitors}))
    result = upwatch(home, "import", str(path))
    assert result.returncode == 0, result.stderr


def start_run(home: Path, *prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "desktop.cli.main", "run", "--verbose"],
        env=child_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_saves(proc: subprocess.Popen[str], at_least: int, timeout: float = 30.0) -> int:
    """Read `upwatch run -v` logs until it reports at least `at_least` saved results."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if "saved" in line and "(total " in line:
            total = int(line.rsplit("(total ", 1)[1].rstrip(")\n"))
            if total >= at_least:
                return total
    raise AssertionError("upwatch run did not save results in time")


@pytest.mark.slow
def test_upwatch_run_killed_and_restarted_keeps_every_saved_result(
    tmp_path: Path, target: TargetServer
) -> None:
    home = tmp_path / "home"
    seed(home, [target.url(f"status/200?m={index}") for index in range(30)])
    stored = 0
    for _ in range(3):
        proc = start_run(home)
        saved = wait_for_saves(proc, at_least=10)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        count = consistent_count(home / "upwatch.sqlite3")
        assert count >= stored + saved
        stored = count


@pytest.mark.slow
def test_sigterm_stops_cleanly_with_everything_saved(tmp_path: Path, target: TargetServer) -> None:
    home = tmp_path / "home"
    seed(home, [target.url(f"status/200?n={index}") for index in range(10)])
    proc = start_run(home)
    wait_for_saves(proc, at_least=10)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Stopped." in out
    saved = int(out.split("Stopped. ", 1)[1].split()[0])
    assert consistent_count(home / "upwatch.sqlite3") == saved


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_laptop_without_network_raises_no_alert(tmp_path: Path) -> None:
    """The machine is really offline (an empty network namespace): results are UNKNOWN."""
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("network namespaces are not allowed here")
    home = tmp_path / "home"
    seed(home, ["https://example.com/", "https://status.example.org/"], confirmations=1)
    proc = start_run(home, "unshare", "--net")
    wait_for_saves(proc, at_least=4, timeout=30)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert "is down" not in out
    conn = sqlite3.connect(home / "upwatch.sqlite3")
    statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM checks")}
    errors = {row[0] for row in conn.execute("SELECT DISTINCT error FROM checks")}
    incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    shown = {row[0] for row in conn.execute("SELECT status FROM monitors")}
    conn.close()
    assert statuses == {3}  # UNKNOWN
    assert all(error.startswith("this computer is offline") for error in errors)
    assert incidents == 0
    assert shown == {"unknown"}
