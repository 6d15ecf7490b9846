"""MonitorTableModel: the controller's monitor list as a Qt table (read-only adapter)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.controllers.monitors import MonitorsController, MonitorView
from desktop.ui.icons import dot_icon
from shared.status import SEVERITY
from shared.uptime import format_uptime

COLUMNS = ("Status", "Name", "URL", "Response", "Uptime 24h", "Uptime 30d", "Last checked")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


def ago(moment: datetime | None) -> str:
    """Return "12 s ago" style text."""
    if moment is None:
        return "never"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


class MonitorTableModel(QAbstractTableModel):
    """Rows are the controller's MonitorViews; it re-reads them on the controller's signals."""

    def __init__(self, controller: MonitorsController) -> None:
        super().__init__()
        self._controller = controller
        self._ids: list[uuid.UUID] = []
        controller.rows_changed.connect(self._reset)
        controller.row_changed.connect(self._row_changed)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of monitors."""
        return 0 if parent.isValid() else len(self._controller.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, status icons, sort keys and the monitor id."""
        if not index.isValid() or index.row() >= len(self._controller.rows):
            return None
        row = self._controller.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return dot_icon(row.status)
        if role == Qt.ItemDataRole.ToolTipRole:  # the full name and URL however narrow
            lines = [row.spec.name, row.spec.url, *([row.last_error] if row.last_error else [])]
            return "\n".join(lines)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == ID_ROLE:
            return str(row.spec.id)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: MonitorView, column: int) -> str:
        if column == 0:
            return row.status.value.capitalize()
        if column == 1:
            return row.spec.name
        if column == 2:
            return row.spec.url
        if column == 3:
            return "—" if row.last_response_ms is None else f"{row.last_response_ms} ms"
        if column == 4:
            return format_uptime(row.uptime_24h)
        if column == 5:
            return format_uptime(row.uptime_30d)
        return ago(row.last_checked_at)

    @staticmethod
    def _sort_key(row: MonitorView, column: int) -> Any:
        keys: tuple[Any, ...] = (
            -SEVERITY[row.status],
            row.spec.name.lower(),
            row.spec.url,
            row.last_response_ms if row.last_response_ms is not None else 10**9,
            row.uptime_24h if row.uptime_24h is not None else -1.0,
            row.uptime_30d if row.uptime_30d is not None else -1.0,
            row.last_checked_at.timestamp() if row.last_checked_at else 0.0,
        )
        return keys[column]

    def _reset(self) -> None:
        # Same monitors in the same order (the minute's uptime refresh): repaint the values
        # instead of resetting, so the proxy does not re-sort every row from scratch.
        ids = [row.spec.id for row in self._controller.rows]
        if ids and ids == self._ids:
            last = self.index(len(ids) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self._ids = ids
        self.beginResetModel()
        self.endResetModel()

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
