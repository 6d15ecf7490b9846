"""Draws Upwatch's app icons (PNGs, .ico, .icns) with the tray icon's ring, at any size.

Usage: python packaging/make_icons.py OUT_DIR (upwatch.spec runs it before each build).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

# Before Qt loads: drawing needs no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage

from desktop.ui.icons import paint_ring
from shared.status import Status

NAME = "upwatch"
# Linux hicolor theme sizes; 512 is the largest a desktop asks for.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# .icns entry types and their pixel sizes (the @2x types hold the doubled size).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def ring_image(size: int, status: Status = Status.UP) -> QImage:
    """Return the tray icon's drawing at `size` pixels: a dark ring around a status disc.

    desktop.ui.icons.tray_icon paints the same up to 64 px (tests/packaging/test_icons.py
    checks both give the same pixels).
    """
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    paint_ring(image, size, status)
    return image


def png_bytes(image: QImage) -> bytes:
    """Return the image encoded as PNG; raise RuntimeError when Qt cannot write PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """Return a Windows .ico holding one PNG per size (read by Windows Vista and later)."""
    count = len(pngs)
    directory = [struct.pack("<HHH", 0, 1, count)]  # reserved, type 1 = icon, image count
    offset = 6 + 16 * count
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # width and height are one byte each: 0 means 256
        directory.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset))
        offset += len(png)
    return b"".join(directory) + b"".join(png for _, png in sorted(pngs.items()))


def icns_bytes(entries: list[tuple[bytes, bytes]]) -> bytes:
    """Return a macOS .icns of (type, PNG) entries: big-endian lengths include each header."""
    body = b"".join(kind + struct.pack(">I", 8 + len(png)) + png for kind, png in entries)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icons(out: Path) -> list[Path]:
    """Write upwatch-SIZE.png, upwatch.ico and upwatch.icns into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(ring_image(size)) for size in sizes}
    written = []
    for size in PNG_SIZES:
        path = out / f"{NAME}-{size}.png"
        path.write_bytes(pngs[size])
        written.append(path)
    ico = out / f"{NAME}.ico"
    ico.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    icns = out / f"{NAME}.icns"
    icns.write_bytes(icns_bytes([(kind, pngs[size]) for kind, size in ICNS_TYPES]))
    return [*written, ico, icns]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_icons.py OUT_DIR")
    for written_path in write_icons(Path(sys.argv[1])):
        print(written_path)
