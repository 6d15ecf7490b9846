"""One tray app per user and data directory: a second launch hands over and exits."""

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def launch(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "UPWATCH_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.launcher", "app"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_launch_hands_over_to_the_first_and_exits(tmp_path: Path) -> None:
    first = launch(tmp_path)
    try:
        deadline = time.monotonic() + 20
        while not list(tmp_path.glob("*.sqlite3")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # the first one is listening once its window is up
        assert first.poll() is None, first.communicate()[1]
        second = launch(tmp_path)
        out, _ = second.communicate(timeout=30)
        assert second.returncode == 0
        assert "already running" in out
        assert first.poll() is None  # the first keeps running
    finally:
        first.terminate()
        first.communicate(timeout=20)


def test_without_a_display_the_app_says_what_to_do(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["UPWATCH_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "desktop.launcher"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "upwatch run" in result.stderr
