"""UptimeBars: 90 daily bars coloured by uptime, with a tooltip per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.ui.icons import colour
from shared.status import Status
from shared.uptime import Rollup, format_uptime

DAYS = 90


def bar_colour(rollup: Rollup | None, no_data: QColor | None = None) -> QColor:
    """Green at 100 %, amber below 99.5 % or with degraded checks, red below 95 %, no_data
    (a light grey by default; the palette's mid tone in the window): no data."""
    if rollup is None or rollup.uptime is None:
        return no_data or QColor("#d5d8dc")
    if rollup.uptime < 95.0:
        return colour(Status.DOWN)
    if rollup.uptime < 99.5 or rollup.degraded:
        return colour(Status.DEGRADED)
    return colour(Status.UP)


class UptimeBars(QWidget):
    """The last 90 UTC days, oldest on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: dict[str, Rollup] = {}
        self._today = datetime.now(UTC).date()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        """Wide and short."""
        return QSize(450, 34)

    def set_days(self, days: list[tuple[datetime, Rollup]]) -> None:
        """Show these daily rollups (days without data stay grey)."""
        self._today = datetime.now(UTC).date()
        self._days = {day.date().isoformat(): rollup for day, rollup in days}
        self.update()

    def _day(self, index: int) -> str:
        return (self._today - timedelta(days=DAYS - 1 - index)).isoformat()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw one rounded bar per day."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        step = self.width() / DAYS
        no_data = self.palette().color(QPalette.ColorRole.Mid)
        for index in range(DAYS):
            painter.setBrush(bar_colour(self._days.get(self._day(index)), no_data))
            bar = QRectF(index * step + 0.5, 2, max(step - 1.5, 1.0), self.height() - 4)
            painter.drawRoundedRect(bar, 1.5, 1.5)
        painter.end()

    def event(self, event: object) -> bool:
        """Show the day, its uptime and its downtime checks on hover."""
        if isinstance(event, QHelpEvent):
            index = int(event.pos().x() // (self.width() / DAYS)) if self.width() else 0
            index = min(max(index, 0), DAYS - 1)
            day = self._day(index)
            rollup = self._days.get(day)
            if rollup is None or rollup.known == 0:
                text = f"{day}: no checks"
            else:
                up = format_uptime(rollup.uptime)
                text = f"{day}: {up} up, {rollup.down} failed of {rollup.known} checks"
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)  # type: ignore[arg-type]
