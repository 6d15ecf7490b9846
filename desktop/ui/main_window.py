"""MainWindow: the monitor table with a filter, the detail pane and the toolbar."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QPoint, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.channels import ChannelsController
from desktop.controllers.detail import DetailController
from desktop.controllers.monitors import MonitorsController, MonitorView
from desktop.controllers.sharing import SharingController
from desktop.controllers.transfer import TransferController
from desktop.ui import bulk
from desktop.ui.detail_pane import DetailPane
from desktop.ui.icons import tray_icon
from desktop.ui.list_bar import ListBar
from desktop.ui.menus import build_menus
from desktop.ui.monitor_dialog import MonitorDialog
from desktop.ui.monitor_table import MonitorTable
from desktop.ui.share import share_monitor
from desktop.ui.table_model import MonitorTableModel
from desktop.ui.tag_dialog import TagDialog
from desktop.ui.tasks import spawn
from shared.status import Status


class MainWindow(QMainWindow):
    """Monitors on the left, the selected one's detail on the right; more pages in tabs."""

    # made by build_menus (desktop/ui/menus.py)
    import_action: QAction
    export_action: QAction
    quit_action: QAction
    find_action: QAction

    def __init__(
        self,
        monitors: MonitorsController,
        detail: DetailController,
        *,
        keep_running_in_tray: Callable[[], bool],
        channels: ChannelsController | None = None,
        sharing: SharingController | None = None,
        transfer: TransferController | None = None,
        quit_app: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.monitors = monitors
        self.detail = detail
        self._keep_running = keep_running_in_tray
        self.channels = channels
        self.sharing = sharing
        self.transfer = transfer
        self._quit_app = quit_app
        self.setWindowTitle("Upwatch")
        self.resize(1180, 720)

        self.model = MonitorTableModel(monitors)
        self.list_bar = ListBar(self.model, monitors.known_tags)
        self.filter = self.list_bar.filter
        self.table = MonitorTable(self.model)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _: self.edit_selected())

        self.empty_hint = QLabel(
            "<h3>No monitors yet</h3><p>Add the first site or API to watch with "
            "<b>Add monitor</b>. Upwatch checks it from this computer and tells you the "
            "moment it goes down.</p>"
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list_bar)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.empty_hint)

        self.detail_pane = DetailPane(detail)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.detail_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 540])

        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, "Monitors")
        self.setCentralWidget(self.tabs)
        self._build_toolbar()
        build_menus(self)
        self.tabs.currentChanged.connect(lambda _index: self._update_actions())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu_at)
        self.notice = QLabel()
        self.statusBar().addPermanentWidget(self.notice)
        self.storage_problem = QLabel()
        self.storage_problem.setStyleSheet("color: #c62828")
        self.statusBar().addPermanentWidget(self.storage_problem)
        monitors.storage_problem_changed.connect(self.storage_problem.setText)
        monitors.rows_changed.connect(self._rows_changed)
        monitors.summary_changed.connect(self._summary_changed)
        self._summary_changed(monitors.summary[0].value, monitors.summary[1])
        monitors.error_raised.connect(self.show_error)
        self._rows_changed()

    # -- toolbar ------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.toolbar = toolbar = QToolBar("Monitors")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        self.add_action = self._action(
            toolbar, "Add monitor", self.add_monitor, QKeySequence.StandardKey.New
        )
        self.edit_action = self._action(toolbar, "Edit", self.edit_selected)
        self.delete_action = self._action(
            toolbar, "Delete", self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.pause_action = self._action(
            toolbar, "Pause", self.toggle_pause_selected, QKeySequence(Qt.Key.Key_Space)
        )
        self.check_action = self._action(
            toolbar, "Check now", self.check_selected, QKeySequence("Ctrl+R")
        )
        self.tag_action = self._action(toolbar, "Tag…", self.tag_selected, QKeySequence("Ctrl+T"))
        self.tag_action.setToolTip("Add or take off tags, for one monitor or many")
        self.share_action = self._action(toolbar, "Share…", self.share_selected)
        self.share_action.setToolTip("Put it on your public status page and copy the link")
        self.share_action.setVisible(self.sharing is not None)
        self._update_actions()

    def _action(
        self,
        toolbar: QToolBar,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        toolbar.addAction(action)
        return action

    def row_menu(self) -> QMenu:
        """The right-click menu of the selected row: the monitor actions."""
        menu = QMenu(self)
        actions = (
            self.edit_action,
            self.pause_action,
            self.check_action,
            self.tag_action,
            self.share_action,
        )
        for action in actions:
            if action.isVisible():
                menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        return menu

    def _row_menu_at(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        self.row_menu().popup(self.table.viewport().mapToGlobal(position))

    def focus_filter(self) -> None:
        """Put the cursor in the filter (Ctrl+F), on the Monitors tab."""
        self.tabs.setCurrentIndex(0)
        self.filter.setFocus()
        self.filter.selectAll()

    def quit_app(self) -> None:
        """Leave Upwatch (File → Quit), or just close the window when nothing else runs."""
        if self._quit_app is not None:
            self._quit_app()
        else:
            self.close()

    # -- selection ----------------------------------------------------------------------------

    def selected_views(self) -> list[MonitorView]:
        """The monitors selected in the table, in its order."""
        return self.table.selected_views()

    def selected(self) -> MonitorView | None:
        """The monitor selected in the table (the first of several), if any."""
        views = self.selected_views()
        return views[0] if views else None

    def select_monitor(self, monitor_id: uuid.UUID) -> None:
        """Select a monitor in the table (and show its detail)."""
        self.table.select_monitor(monitor_id)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        view = self.selected()
        self.detail.select(view.spec.id if view else None)
        self._update_actions()

    def _update_actions(self) -> None:
        # the monitor actions (and their keys: Delete!) act on the table's selection, so
        # only while the table is on screen
        on_monitors = self.tabs.currentIndex() == 0
        self.toolbar.setVisible(on_monitors)
        views = self.selected_views() if on_monitors else []
        self.edit_action.setEnabled(len(views) == 1)
        for action in (self.delete_action, self.pause_action, self.tag_action, self.share_action):
            action.setEnabled(bool(views))
        self.pause_action.setText("Resume" if bulk.resumes(views) else "Pause")
        self.check_action.setEnabled(any(view.spec.is_active for view in views))

    def _summary_changed(self, status: str, text: str) -> None:
        # the title bar and the task switcher show the same colour as the tray icon
        self.setWindowIcon(tray_icon(Status(status)))
        self.statusBar().showMessage(text)

    def _rows_changed(self) -> None:
        empty = not self.monitors.rows
        self.table.size_columns_once()
        self.list_bar.refresh_tags()
        self.empty_hint.setVisible(empty)
        self.table.setVisible(not empty)
        self.list_bar.setVisible(not empty)
        selected = self.detail.selected
        if selected is not None and not self.table.selectionModel().hasSelection():
            self.select_monitor(selected)
        self._update_actions()

    # -- actions ------------------------------------------------------------------------------

    def add_monitor(self) -> None:
        """Open the add dialog; select the new monitor once saved."""
        dialog = MonitorDialog(
            self.monitors,
            channels=self.channels,
            known_tags=self.monitors.known_tags(),
            parent=self,
        )
        dialog.finished.connect(lambda _: self._after_dialog(dialog))
        dialog.open()

    def edit_selected(self) -> None:
        """Open the edit dialog for the selected monitor."""
        view = self.selected()
        if view is None:
            return
        dialog = MonitorDialog(
            self.monitors,
            view.spec,
            channels=self.channels,
            cloud=view.cloud,
            known_tags=self.monitors.known_tags(),
            parent=self,
        )
        dialog.finished.connect(lambda _: self._after_dialog(dialog))
        dialog.open()

    def _after_dialog(self, dialog: MonitorDialog) -> None:
        if dialog.saved is not None:
            self.select_monitor(dialog.saved.id)
            self.detail.select(dialog.saved.id)

    def delete_selected(self) -> None:
        """Delete the selected monitors after one confirmation."""
        views = self.selected_views()
        if views and bulk.confirm_delete(self, views):
            spawn(bulk.delete(self.monitors, views))

    def toggle_pause_selected(self) -> None:
        """Resume the selected monitors when all are paused, else pause them."""
        views = self.selected_views()
        if views:
            spawn(bulk.pause_or_resume(self.monitors, views))

    def check_selected(self) -> None:
        """Check the selected monitors now."""
        busy = bulk.check_now(self.monitors, self.selected_views())
        if busy:
            self.statusBar().showMessage(f"{', '.join(busy)}: being checked already", 3000)

    def tag_selected(self) -> TagDialog | None:
        """Open the tags of the selected monitors."""
        views = self.selected_views()
        if not views:
            return None
        dialog = TagDialog(self.monitors, views, parent=self)
        dialog.open()
        return dialog

    def share_selected(self) -> asyncio.Task[QMessageBox] | None:
        """Put the selected monitors on the public status page and copy its link."""
        views = self.selected_views()
        if not views or self.sharing is None:
            return None
        ids = [str(view.spec.id) for view in views]
        return spawn(share_monitor(self, self.sharing, ids, bulk.label(views)))

    def show_error(self, message: str) -> None:
        """Tell the user what went wrong."""
        QMessageBox.warning(self, "Upwatch", message)

    def add_page(self, page: QWidget, title: str) -> None:
        """Add a tab (alert channels, settings)."""
        self.tabs.addTab(page, title)

    def set_notice(self, text: str) -> None:
        """Show a lasting note in the status bar (e.g. no system tray)."""
        self.notice.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing hides the window while the tray keeps Upwatch running."""
        self.table.save_columns()
        if self._keep_running():
            event.ignore()
            self.hide()
        else:
            event.accept()
