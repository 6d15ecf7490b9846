"""TrayIcon: the worst state as a coloured icon, a summary tooltip and the quick menu."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from desktop.controllers.account import AccountController
from desktop.controllers.monitors import MonitorsController, MonitorView
from desktop.controllers.summary import tag_groups
from desktop.ui.icons import dot_icon, tray_icon
from shared.status import SEVERITY, Status

MAX_MENU_MONITORS = 15


class TrayIcon(QSystemTrayIcon):
    """The icon in the system tray; its menu is rebuilt from the controller when it opens."""

    def __init__(
        self,
        controller: MonitorsController,
        *,
        open_window: Callable[[], None],
        open_monitor: Callable[[uuid.UUID], None],
        add_monitor: Callable[[], None],
        open_account: Callable[[], None],
        pause_all: Callable[[bool], object],
        quit_app: Callable[[], None],
        account: AccountController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._account = account
        self._controller = controller
        self._open_window = open_window
        self._open_monitor = open_monitor
        self._add_monitor = add_monitor
        self._open_account = open_account
        self._pause_all = pause_all
        self._quit = quit_app
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.setContextMenu(self.menu)
        self.activated.connect(self._activated)
        self._summary_text = ""
        controller.summary_changed.connect(self._summary_changed)
        if account is not None:
            account.account_changed.connect(self._show_tooltip)
        self._summary_changed(*[str(x) for x in self._summary()])
        self.rebuild_menu()

    def _summary(self) -> tuple[str, str]:
        status, text = self._controller.summary
        return status.value, text

    def _summary_changed(self, status: str, text: str) -> None:
        self.setIcon(tray_icon(Status(status)))
        self._summary_text = text
        self._show_tooltip()

    def _show_tooltip(self) -> None:
        tip = f"Upwatch — {self._summary_text}"
        view = self._account.view if self._account is not None else None
        if view is not None and view.error:  # a sync problem, or why the session ended
            tip += f"\n{view.sync_line()}"
        self.setToolTip(tip)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self._open_window()

    def rebuild_menu(self) -> None:
        """Fill the menu with the summary, the monitors and the actions."""
        menu = self.menu
        menu.clear()
        _, text = self._summary()
        summary = menu.addAction(text)
        summary.setEnabled(False)
        menu.addSeparator()
        # the worst first (down, degraded, …), then by name: what needs a look is on top
        rows = sorted(
            self._controller.rows, key=lambda r: (-SEVERITY[r.status], r.spec.name.lower())
        )
        self._add_monitors(menu, rows)
        self._add_groups(menu, rows)
        if rows:
            menu.addSeparator()
        self._add(menu, "Open Upwatch", self._open_window)
        self._add(menu, "Add monitor…", self._add_monitor)
        check_all = self._add(menu, "Check all now", self._controller.check_all)
        check_all.setEnabled(bool(rows))
        all_paused = bool(rows) and all(not row.spec.is_active for row in rows)
        if all_paused:
            self._add(menu, "Resume all", lambda: self._pause_all(False))
        else:
            pause = self._add(menu, "Pause all", lambda: self._pause_all(True))
            pause.setEnabled(bool(rows))
        menu.addSeparator()
        self._add_account(menu)
        menu.addSeparator()
        self._add(menu, "Quit Upwatch", self._quit)

    def _add_monitors(self, menu: QMenu, rows: Sequence[MonitorView]) -> None:
        for row in rows[:MAX_MENU_MONITORS]:
            response = "" if row.last_response_ms is None else f"  —  {row.last_response_ms} ms"
            where = row.where_down()
            if where is not None:  # compared with the cloud: say which side sees it down
                response = f"  —  {where}"
            action = menu.addAction(dot_icon(row.status), f"{row.spec.name}{response}")
            monitor_id = row.spec.id
            action.triggered.connect(lambda _=False, m=monitor_id: self._open_monitor(m))
        if len(rows) > MAX_MENU_MONITORS:
            more = menu.addAction(f"… and {len(rows) - MAX_MENU_MONITORS} more")
            more.triggered.connect(self._open_window)

    def _add_groups(self, menu: QMenu, rows: Sequence[MonitorView]) -> None:
        """A "By tag" submenu: each tag with what its monitors add up to, worst first."""
        if not any(row.spec.tags for row in rows):
            return
        groups = tag_groups([(row.spec.tags, row.status) for row in rows])
        groups.sort(key=lambda g: -SEVERITY[g.status])  # stable: by name within a state
        by_tag = menu.addMenu("By tag")
        for group in groups:
            sub = by_tag.addMenu(dot_icon(group.status), f"{group.name}  —  {group.text}")
            self._add_monitors(sub, [rows[i] for i in group.members])

    def _add_account(self, menu: QMenu) -> None:

        view = self._account.view if self._account is not None else None
        if view is None or not view.signed_in:
            self._add(menu, "Sign in to Upwatch Cloud…", self._open_account)
            return
        plan = (view.plan or "free").capitalize()
        menu.addAction(f"Cloud: {view.email} · {plan} plan").setEnabled(False)
        menu.addAction(view.sync_line()).setEnabled(False)
        assert self._account is not None
        self._add(menu, "Sync now", self._account.sync_now)
        self._add(menu, "Account…", self._open_account)

    @staticmethod
    def _add(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _=False: slot())
        return action
