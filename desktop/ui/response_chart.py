"""ResponseChart: response times over a range the user picks (1 h, 24 h, 7 d, 30 d), each
point coloured by its status, the degraded threshold as a dashed line."""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCharts import (
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QEvent, QMargins, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.services.chart import CHART_SPANS, DEFAULT_SPAN, ChartData
from desktop.ui.icons import colour
from desktop.ui.theme import is_dark, mute
from shared.status import Status

SPAN_LABELS = {"1h": "1 h", "24h": "24 h", "7d": "7 d", "30d": "30 d"}
# x axis: labels that differ from tick to tick at each range
_FORMATS = {"1h": ("HH:mm", 7), "24h": ("HH:mm", 7), "7d": ("ddd d", 8), "30d": ("d MMM", 7)}
_SHOWN = (Status.UP, Status.DEGRADED, Status.DOWN)


def _ms(moment: datetime) -> float:
    return moment.timestamp() * 1000


def nice_top(highest: float) -> float:
    """Return a round top for the y axis a little above highest (1, 2 or 5 times a power
    of ten)."""
    target = highest * 1.1
    magnitude = 10.0 ** math.floor(math.log10(target))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= target)


class ResponseChart(QWidget):
    """The chart with its range buttons; span_chosen says which range the user picked."""

    span_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons = QButtonGroup(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Response time</b>"))
        row.addStretch(1)
        for span in CHART_SPANS:
            button = QPushButton(SPAN_LABELS[span])
            button.setCheckable(True)
            button.setChecked(span == DEFAULT_SPAN)
            button.setAccessibleName(f"Response time over {SPAN_LABELS[span]}")
            self.buttons.addButton(button)
            button.clicked.connect(lambda _=False, s=span: self.span_chosen.emit(s))
            row.addWidget(button)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.points: dict[Status, QScatterSeries] = {}
        for status in _SHOWN:
            series = QScatterSeries()
            series.setMarkerSize(6)
            self.points[status] = series
            self.chart.addSeries(series)
        self.threshold = QLineSeries()
        self.chart.addSeries(self.threshold)
        self.x_axis = QDateTimeAxis(format="HH:mm", tickCount=7)
        self.y_axis = QValueAxis(labelFormat="%.0f", tickCount=5, min=0, max=100)
        self.y_axis.setTitleText("ms")
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for each in (*self.points.values(), self.threshold):
            each.attachAxis(self.x_axis)
            each.attachAxis(self.y_axis)
        self._theme()
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(170)
        self.empty = mute(QLabel())
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)

    def show_data(self, data: ChartData) -> None:
        """Draw data; with no response time in its range, say so on clean axes."""
        for each in (*self.points.values(), self.threshold):
            each.clear()
        timed = [p for p in data.points if p.ms is not None]
        for point in timed:
            shown = point.status if point.status in self.points else Status.UP
            self.points[shown].append(_ms(point.at), point.ms)  # type: ignore[arg-type]
        fmt, ticks = _FORMATS[data.span]
        self.x_axis.setFormat(fmt)
        self.x_axis.setTickCount(ticks)
        self.x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int(_ms(data.start))),
            QDateTime.fromMSecsSinceEpoch(int(_ms(data.end))),
        )
        highest = max((p.ms or 0 for p in timed), default=0)
        if data.degraded_after_ms is not None:
            self.threshold.append(_ms(data.start), data.degraded_after_ms)
            self.threshold.append(_ms(data.end), data.degraded_after_ms)
            highest = max(highest, data.degraded_after_ms)
        self.y_axis.setRange(0, nice_top(highest) if highest else 100)
        label = SPAN_LABELS[data.span]
        self.empty.setText("" if timed else f"No response times in the last {label}.")
        self.empty.setVisible(not timed)
        for button in self.buttons.buttons():
            button.setChecked(button.text() == label)

    def changeEvent(self, event: QEvent) -> None:
        """A new palette (the system turned light or dark) re-themes the chart."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._theme()

    def _theme(self) -> None:
        dark = is_dark(self.palette())
        theme = QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        if self.chart.theme() != theme or self.threshold.pen().style() != Qt.PenStyle.DashLine:
            self.chart.setTheme(theme)  # this resets the series' colours: set them again
            self.chart.setBackgroundRoundness(0)
            for status, series in self.points.items():
                series.setColor(colour(status))
                series.setBorderColor(colour(status))
            pen = QPen(colour(Status.DEGRADED), 1, Qt.PenStyle.DashLine)
            self.threshold.setPen(pen)
