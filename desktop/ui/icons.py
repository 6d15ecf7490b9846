"""Status colours and the icons painted from them (no image files needed)."""

from __future__ import annotations

import functools

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPaintDevice, QPainter, QPen, QPixmap

from shared.status import Status

COLOURS: dict[Status, str] = {
    Status.UP: "#2e9d4f",
    Status.DEGRADED: "#e0a100",
    Status.DOWN: "#d93025",
    Status.UNKNOWN: "#8a8f98",
    Status.PAUSED: "#8a8f98",
}


def colour(status: Status) -> QColor:
    """Return the colour of a status."""
    return QColor(COLOURS[status])


def dot_pixmap(status: Status, size: int = 16) -> QPixmap:
    """Return a filled circle in the status colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QBrush(colour(status)))
    painter.setPen(Qt.PenStyle.NoPen)
    margin = size * 0.12
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
    if status == Status.PAUSED:
        painter.setBrush(QBrush(QColor("white")))
        bar = size * 0.12
        for x in (0.36, 0.54):
            painter.drawRect(QRectF(size * x, size * 0.3, bar, size * 0.4))
    painter.end()
    return pixmap


@functools.cache
def dot_icon(status: Status) -> QIcon:
    """Return a small status dot icon for tables and menus."""
    return QIcon(dot_pixmap(status, 16))


def paint_ring(device: QPaintDevice, size: int, status: Status) -> None:
    """Paint the app's mark on a transparent size x size device: a dark ring around a
    status-coloured disc (the tray icon, and the app icons packaging/make_icons.py makes)."""
    painter = QPainter(device)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ring = max(1.5, size / 10)
    painter.setPen(QPen(QColor("#1f2933"), ring))
    painter.setBrush(QBrush(colour(status)))
    inset = ring / 2 + size * 0.06
    painter.drawEllipse(QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
    painter.end()


def tray_icon(status: Status) -> QIcon:
    """Return the tray icon: a ring with a status-coloured centre, at several sizes."""
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        paint_ring(pixmap, size, status)
        icon.addPixmap(pixmap)
    return icon
