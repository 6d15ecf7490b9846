"""Tags drawn as small coloured chips: in the list's Tags column and in the tag box."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.ui.table_model import TAGS_ROLE
from shared.tags import Tag

_PAD_X, _GAP, _RADIUS = 6, 4, 6


def text_colour(background: str) -> QColor:
    """Black or white, whichever reads better on the background colour."""
    colour = QColor(background)
    luminance = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor("#111111") if luminance > 160 else QColor("#ffffff")


def swatch(colour: str, size: int = 12) -> QIcon:
    """A rounded square of the tag's colour, for menus and boxes."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(0, 0, size, size), 3, 3)
    painter.end()
    return QIcon(pixmap)


class TagChipsDelegate(QStyledItemDelegate):
    """Paints a cell's tags (TAGS_ROLE) as chips, as many as fit; the text says the rest."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the selection background, then one chip per tag from the left."""
        tags: Sequence[Tag] | None = index.data(TAGS_ROLE)
        if not tags:
            super().paint(painter, option, index)
            return
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else None
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        rect = option.rect
        metrics = option.fontMetrics
        height = min(rect.height() - 4, metrics.height() + 4)
        x, top = rect.left() + _GAP, rect.top() + (rect.height() - height) / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for shown, tag in enumerate(tags):
            width = metrics.horizontalAdvance(tag["name"]) + 2 * _PAD_X
            if x + width > rect.right() - _GAP:
                rest = f"+{len(tags) - shown}"
                painter.setPen(option.palette.text().color())
                painter.drawText(QRectF(x, top, rect.right() - x, height), rest)
                break
            chip = QRectF(x, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(tag["color"]))
            painter.drawRoundedRect(chip, _RADIUS, _RADIUS)
            painter.setPen(text_colour(tag["color"]))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, tag["name"])
            x += width + _GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Room for every chip side by side."""
        hint = super().sizeHint(option, index)
        tags: Sequence[Tag] | None = index.data(TAGS_ROLE)
        if tags:
            metrics = option.fontMetrics
            width = sum(metrics.horizontalAdvance(t["name"]) + 2 * _PAD_X + _GAP for t in tags)
            hint.setWidth(width + _GAP)
        return hint
