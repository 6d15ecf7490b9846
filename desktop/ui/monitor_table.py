"""MonitorTable: the list of monitors — columns sized once and remembered, group headers
spanning the row, and a selection that survives the list being rebuilt."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.controllers.monitors import MonitorView
from desktop.ui.table_model import COLUMNS, MonitorTableModel
from desktop.ui.tag_chips import TagChipsDelegate

SETTINGS_ORG = SETTINGS_APP = "Upwatch"
# v2: the Tags column came in; an older saved state would put widths on the wrong columns
COLUMNS_KEY = "monitor-list/columns-v2"
NAME_MAX_PX = 320


class MonitorTable(QTableView):
    """The monitor list; selected_views and select_monitor speak in monitors, not rows."""

    def __init__(self, model: MonitorTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list_model = model
        self.setModel(model)
        self.setSortingEnabled(True)
        self.sortByColumn(COLUMNS.index("Name"), Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift/Ctrl-click and Ctrl+A select many: the actions act on all of them
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        # "Admin … portal" keeps both ends of a long name readable; the tooltip has it all
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setItemDelegateForColumn(COLUMNS.index("Tags"), TagChipsDelegate(self))
        header = self.horizontalHeader()
        # Sized once, when the first rows arrive: ResizeToContents would re-measure the
        # visible rows on every dataChanged (each check result), on the UI thread. The
        # widths a user drags are kept between launches.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(100)
        header.setSectionResizeMode(COLUMNS.index("URL"), QHeaderView.ResizeMode.Stretch)
        self.columns_sized = self._restore_columns()
        self._save_columns_soon = QTimer(self, singleShot=True, interval=500)
        self._save_columns_soon.timeout.connect(self.save_columns)
        header.sectionResized.connect(lambda *_: self._save_columns_soon.start())
        self._kept: list[uuid.UUID] = []
        model.modelAboutToBeReset.connect(self._keep_selection)
        model.modelReset.connect(self._after_reset)
        model.layoutChanged.connect(self._span_headers)
        self.clicked.connect(self._clicked)

    # -- monitors, not rows -------------------------------------------------------------------

    def selected_views(self) -> list[MonitorView]:
        """The monitors selected, in the list's order, each once (grouped, a monitor with
        two tags shows twice)."""
        rows = sorted(index.row() for index in self.selectionModel().selectedRows())
        views: dict[uuid.UUID, MonitorView] = {}
        for row in rows:
            view = self.list_model.view_at(row)
            if view is not None:
                views.setdefault(view.spec.id, view)
        return list(views.values())

    def select_monitor(self, monitor_id: uuid.UUID) -> None:
        """Select one monitor (its first row) and scroll to it, if it is shown."""
        row = self.list_model.row_of(monitor_id)
        if row is not None:
            self.selectRow(row)
            self.scrollTo(self.list_model.index(row, 0))

    def _keep_selection(self) -> None:
        rows = self.selectionModel().selectedRows()
        self._kept = [i for i in (self.list_model.id_at(r.row()) for r in rows) if i is not None]

    def _after_reset(self) -> None:
        self._span_headers()
        if not self._kept:
            return
        selection = self.selectionModel()
        rows = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for monitor_id in self._kept:
            row = self.list_model.row_of(monitor_id)
            if row is not None:
                selection.select(self.list_model.index(row, 0), rows)
        self._kept = []

    def _span_headers(self) -> None:
        self.clearSpans()
        columns = self.list_model.columnCount()
        for row in self.list_model.header_rows():
            self.setSpan(row, 0, 1, columns)

    def _clicked(self, index: QModelIndex) -> None:
        group = self.list_model.group_at(index.row())
        if group is not None:
            self.list_model.toggle_group(group.key)

    # -- columns ------------------------------------------------------------------------------

    def size_columns_once(self) -> None:
        """Fit the columns to the first rows, unless widths were remembered."""
        if self.columns_sized or self.list_model.rowCount() == 0:
            return
        self.columns_sized = True
        self.resizeColumnsToContents()
        # statuses change later: leave room for the longest one, with its dot
        widest = self.fontMetrics().horizontalAdvance("Degraded") + 44
        self.setColumnWidth(0, max(self.columnWidth(0), widest))
        # one very long name (or many tags) must not push the URL out of sight
        for title in ("Name", "Tags"):
            column = COLUMNS.index(title)
            self.setColumnWidth(column, min(self.columnWidth(column), NAME_MAX_PX))

    def _restore_columns(self) -> bool:
        state = QSettings(SETTINGS_ORG, SETTINGS_APP).value(COLUMNS_KEY)
        return isinstance(state, QByteArray) and self.horizontalHeader().restoreState(state)

    def save_columns(self) -> None:
        """Remember the column widths for the next launch."""
        state = self.horizontalHeader().saveState()
        QSettings(SETTINGS_ORG, SETTINGS_APP).setValue(COLUMNS_KEY, state)
