"""Child process of test_icons.py: exit 0 when make_icons draws what tray_icon paints.

Runs apart because a QPixmap needs a QGuiApplication, which the main test process keeps
out of (the Qt tests run one process per file).
"""

import importlib.util
import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop.ui.icons import tray_icon
from shared.status import Status

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("make_icons", REPO / "packaging" / "make_icons.py")
assert spec is not None
assert spec.loader is not None
make_icons = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_icons)

app = QApplication([])
FORMAT = QImage.Format.Format_ARGB32_Premultiplied
mismatched = []
for status in (Status.UP, Status.DOWN):
    icon = tray_icon(status)
    for size in (16, 22, 24, 32, 48, 64):
        painted = icon.pixmap(size, size).toImage().convertToFormat(FORMAT)
        if painted != make_icons.ring_image(size, status):
            mismatched.append(f"{status.value} {size}px")
# the comparison can tell drawings apart: another status colour must not match
if tray_icon(Status.UP).pixmap(32, 32).toImage().convertToFormat(FORMAT) == (
    make_icons.ring_image(32, Status.DOWN)
):
    mismatched.append("up and down look the same")
print(", ".join(mismatched) or "same")
sys.exit(1 if mismatched else 0)
