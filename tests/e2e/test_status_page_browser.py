"""A real headless Chromium loads a status page from a running server (issue 8).

It screenshots the page (into docs/screenshots/ when UPWATCH_SCREENSHOTS=1, as
`make screenshots` sets it), checks the picture is the styled page and that the browser
refused nothing under the page's Content-Security-Policy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from sqlalchemy import create_engine

from tests.support.api_server import ApiServer
from tests.support.status_demo import seed_demo

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync", "--enable-logging=stderr", "--v=0",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    return found


def browse(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


def test_chromium_shows_the_styled_page_and_the_policy_blocks_nothing(
    api: ApiServer, tmp_path: Path
) -> None:
    demo = seed_demo(create_engine(api.settings.database_url))
    url = f"{api.url}/s/{demo.slug}"
    shot = (DOCS if os.environ.get("UPWATCH_SCREENSHOTS") == "1" else tmp_path) / "status-page.png"

    rendered = browse(url, tmp_path / "p1", "--dump-dom")
    assert "All systems operational" in rendered.stdout
    assert rendered.stdout.count('class="card"') == 6  # five monitors and the incidents
    shown = browse(url, tmp_path / "p2", "--window-size=1280,1500", f"--screenshot={shot}")
    for run in (rendered, shown):
        assert "Content Security Policy" not in run.stderr, run.stderr[-2000:]

    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 1500)
    # styled: the page background, the green banner and green day bars are there
    colours = {image.pixelColor(x, y).name() for x in range(0, 1280, 8) for y in range(0, 1500, 8)}
    assert QColor("#f6f8fa").name() in colours
    assert QColor("#dafbe1").name() in colours
    assert QColor("#2da44e").name() in colours
