"""DetailPane: the selected monitor's response times, 90-day bars, incidents and checks."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.detail import DetailController
from desktop.services.monitors import MonitorDetail
from desktop.ui.icons import dot_icon
from desktop.ui.response_chart import ResponseChart
from desktop.ui.theme import mute
from desktop.ui.uptime_bars import UptimeBars
from shared.messages import format_duration
from shared.status import Status
from shared.uptime import format_uptime


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class DetailPane(QWidget):
    """Shows the DetailController's monitor, or a hint when none is selected."""

    def __init__(self, controller: DetailController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        controller.loaded.connect(self.show_detail)
        controller.cleared.connect(self.clear)

        self.stack = QStackedWidget()
        empty = QLabel("Select a monitor to see its response times, uptime and incidents.")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        mute(empty)
        self.stack.addWidget(empty)
        self.stack.addWidget(self._build_detail())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def _build_detail(self) -> QWidget:
        page = QWidget()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.subtitle = QLabel()
        mute(self.subtitle)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        figures = QGridLayout()
        self.figures: dict[str, QLabel] = {}
        for column, name in enumerate(("24h", "7d", "30d", "90d")):
            value = QLabel("—")
            value.setStyleSheet("font-size: 16px; font-weight: 600;")
            caption = QLabel(f"uptime {name}")
            mute(caption)
            figures.addWidget(value, 0, column)
            figures.addWidget(caption, 1, column)
            self.figures[name] = value
        self.p95 = QLabel("—")
        self.p95.setStyleSheet("font-size: 16px; font-weight: 600;")
        p95_caption = QLabel("p95 response 24h")
        mute(p95_caption)
        figures.addWidget(self.p95, 0, 4)
        figures.addWidget(p95_caption, 1, 4)

        self.response = ResponseChart()
        self.response.span_chosen.connect(self._controller.set_chart_span)
        self.chart = self.response.chart

        self.bars = UptimeBars()
        bars_caption = QHBoxLayout()
        bars_caption.addWidget(QLabel("90 days ago"))
        bars_caption.addStretch(1)
        bars_caption.addWidget(QLabel("today"))

        self.incidents = QTreeWidget()
        self.incidents.setHeaderLabels(["Started", "Lasted", "First error"])
        self.incidents.setRootIsDecorated(False)
        self.checks = QTreeWidget()
        self.checks.setHeaderLabels(["Checked", "Status", "Code", "Response", "Error"])
        self.checks.setRootIsDecorated(False)
        self.lists = QTabWidget()
        self.lists.addTab(self.checks, "Recent checks")
        self.lists.addTab(self.incidents, "Incidents")

        layout = QVBoxLayout(page)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(figures)
        layout.addWidget(self.response, 2)
        layout.addWidget(QLabel("<b>Uptime, last 90 days</b>"))
        layout.addWidget(self.bars)
        layout.addLayout(bars_caption)
        layout.addWidget(self.lists, 2)
        return page

    def clear(self) -> None:
        """Show the hint instead of a monitor."""
        self.stack.setCurrentIndex(0)

    def show_detail(self) -> None:
        """Fill every part from the controller's detail."""
        detail = self._controller.detail
        if detail is None:
            self.clear()
            return
        spec = detail.spec
        self.title.setText(
            spec.name if detail.where_down is None else f"{spec.name} — {detail.where_down}"
        )
        state = "paused" if not spec.is_active else f"every {spec.interval} s"
        self.subtitle.setText(f"{spec.method} {spec.url} · {state}")
        for name, label in self.figures.items():
            label.setText(format_uptime(detail.windows[name].uptime))
        p95 = detail.windows["24h"].p95_ms
        self.p95.setText("—" if p95 is None else f"≤ {p95} ms")
        self.response.show_data(detail.chart)
        self.bars.set_days(detail.days)
        self._fill_lists(detail)
        self.stack.setCurrentIndex(1)

    def _fill_lists(self, detail: MonitorDetail) -> None:
        self.incidents.clear()
        now = datetime.now(UTC)
        for incident in detail.incidents:
            lasted = format_duration((incident.ended_at or now) - incident.started_at)
            if incident.ended_at is None:
                lasted += " (ongoing)"
            item = QTreeWidgetItem(
                [_local(incident.started_at), lasted, incident.first_error or ""]
            )
            item.setIcon(0, dot_icon(Status.DOWN if incident.ended_at is None else Status.UP))
            self.incidents.addTopLevelItem(item)
        if not detail.incidents:
            self.incidents.addTopLevelItem(QTreeWidgetItem(["No incidents", "", ""]))
        open_incidents = sum(1 for i in detail.incidents if i.ended_at is None)
        self.lists.setTabText(
            1, f"Incidents ({len(detail.incidents)})" if detail.incidents else "Incidents"
        )
        if open_incidents:
            self.lists.setTabText(1, f"Incidents ({open_incidents} ongoing)")
        self.checks.clear()
        for check in detail.checks[:50]:
            response = "—" if check.response_time_ms is None else f"{check.response_time_ms} ms"
            item = QTreeWidgetItem(
                [
                    _local(check.checked_at),
                    check.status.value,
                    str(check.status_code or "—"),
                    response,
                    check.error or "",
                ]
            )
            item.setIcon(1, dot_icon(check.status))
            self.checks.addTopLevelItem(item)
        for tree in (self.incidents, self.checks):
            for column in range(tree.columnCount() - 1):
                tree.resizeColumnToContents(column)
