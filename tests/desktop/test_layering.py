"""Controllers are QtCore only: importing them never loads widgets or qasync."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_controllers_load_without_widgets_or_qasync() -> None:
    code = (
        "import sys, desktop.controllers.monitors, desktop.controllers.detail;"
        "bad = [m for m in ('PySide6.QtWidgets', 'PySide6.QtGui', 'qasync') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
