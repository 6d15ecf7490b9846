"""The tray app: QApplication on a qasync loop, the monitoring service, window and tray."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from desktop.config import data_dir
from desktop.controllers.account import AccountController
from desktop.controllers.channels import ChannelsController
from desktop.controllers.detail import DetailController
from desktop.controllers.monitors import MonitorsController
from desktop.controllers.settings import SettingsController
from desktop.controllers.sharing import SharingController
from desktop.controllers.transfer import TransferController
from desktop.errors import UpwatchError
from desktop.notify.balloons import Balloon, BalloonGrouper
from desktop.runtime.events import Alerted, Event
from desktop.runtime.lock import RunnerLock
from desktop.secrets.store import store_choice
from desktop.services.sharing import ShareService
from desktop.services.workspace import Workspace
from desktop.ui.account_page import AccountPage
from desktop.ui.channels_page import ChannelsPage
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_page import SettingsPage
from desktop.ui.single_instance import SingleInstance, ask_running_instance_to_show, instance_name
from desktop.ui.tasks import spawn
from desktop.ui.theme import Theme
from desktop.ui.tray import TrayIcon

log = logging.getLogger(__name__)

NO_TRAY_NOTICE = "No system tray here: Upwatch runs while this window is open."


class TrayApp:
    """Owns the parts of the running app and stops them cleanly on Quit."""

    def __init__(self, app: QApplication, workspace: Workspace) -> None:
        self.app = app
        self.workspace = workspace
        stored = workspace.stored_settings()
        self.monitoring = workspace.monitoring(stored)
        service = workspace.monitors()
        self.monitors = MonitorsController(service, self.monitoring)
        self.detail = DetailController(service, self.monitoring)
        self.channels = ChannelsController(workspace.channels())
        self.settings = SettingsController(workspace.settings(), self.monitoring, settings=stored)
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable()
        cloud = workspace.cloud()
        self.sharing = SharingController(ShareService(cloud, service))
        self.window = MainWindow(
            self.monitors,
            self.detail,
            keep_running_in_tray=lambda: self.has_tray,
            channels=self.channels,
            sharing=self.sharing,
            transfer=TransferController(workspace.transfer(), self.monitors, self.channels),
            quit_app=self.quit,
        )
        self.window.add_page(ChannelsPage(self.channels), "Alert channels")
        self.window.add_page(SettingsPage(self.settings), "Settings")
        self.account = AccountController(cloud, config_events=self.monitoring.subscribe)
        self.account.pulled_changes.connect(lambda: spawn(self.monitors.reload()))
        self.monitors.monitors_edited.connect(self.account.sync_now)
        self.account_page = AccountPage(self.account, sharing=self.sharing)
        self.window.add_page(self.account_page, "Account")
        self.tray: TrayIcon | None = None
        if self.has_tray:
            self.tray = TrayIcon(
                self.monitors,
                open_window=self.show_window,
                open_monitor=self.show_monitor,
                add_monitor=self.add_monitor,
                open_account=self.show_account,
                pause_all=lambda pause: spawn(self.monitors.set_all_active(not pause)),
                quit_app=self.quit,
                account=self.account,
            )
            self.tray.show()
        else:
            self.window.set_notice(NO_TRAY_NOTICE)
            self.window.destroyed.connect(self.quit)
        # alerts that come together (an import, a network outage) make one balloon
        self.balloons = BalloonGrouper(self._show_balloon)
        self._last_balloon: Balloon | None = None
        if self.tray is not None:
            self.tray.messageClicked.connect(self.balloon_clicked)
        self.monitoring.subscribe(self._desktop_notification)
        self.monitors.storage_problem_changed.connect(self._storage_problem)
        self.stopped = asyncio.Event()
        self._quitting = False
        self._refresher: asyncio.Task[None] | None = None
        self.database_notice: QMessageBox | None = None
        self._storage_alerted = False

    async def start(self) -> None:
        """Load the monitors, start checking, and show the window when there is no tray."""
        await self.monitors.refresh()
        await self.channels.refresh()
        await self.settings.refresh()
        await self.account.refresh()
        await self.monitoring.start()
        self.account.start()
        self._refresher = spawn(self.monitors.keep_uptime_fresh())
        notice = self.workspace.notice
        if not self.has_tray or not self.monitors.rows or notice is not None:
            self.show_window()
        if notice is not None:
            self.database_notice = self._notice_box(notice)
        gc.freeze()  # start-up objects live forever: keep them out of full collections

    def show_window(self) -> None:
        """Bring the main window to the front."""
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def _notice_box(self, text: str) -> QMessageBox:
        """Open a warning over the window without blocking the loop; return the box."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Upwatch", text, parent=self.window)
        box.open()
        return box

    def show_monitor(self, monitor_id: object) -> None:
        """Open the window on one monitor."""
        self.show_window()
        self.window.select_monitor(monitor_id)  # type: ignore[arg-type]

    def add_monitor(self) -> None:
        """Open the window's add dialog."""
        self.show_window()
        self.window.add_monitor()

    def show_account(self) -> None:
        """Open the Account tab."""
        self.show_window()
        self.window.tabs.setCurrentWidget(self.account_page)

    def _desktop_notification(self, event: Event) -> None:
        if not isinstance(event, Alerted):
            return
        if self.tray is not None and self.settings.settings.desktop_notifications:
            self.balloons.add(event.spec.name, event.message, event.spec.id)

    def _show_balloon(self, balloon: Balloon) -> None:
        if self.tray is None:
            return
        self._last_balloon = balloon
        icon = (
            QSystemTrayIcon.MessageIcon.Critical
            if balloon.critical
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.tray.showMessage(balloon.title, balloon.body, icon, 10_000)

    def balloon_clicked(self) -> None:
        """A click on the last balloon opens the window on the monitor it tells of first
        (the worst news)."""
        balloon, self._last_balloon = self._last_balloon, None
        if balloon is not None and balloon.monitor_ids:
            self.show_monitor(balloon.monitor_ids[0])
        else:
            self.show_window()

    def _storage_problem(self, problem: str) -> None:
        # one balloon when saving starts to fail, not one per failed try (every few seconds,
        # each with its own count); the status bar follows every change
        alerted, self._storage_alerted = self._storage_alerted, bool(problem)
        if problem and not alerted and self.tray is not None:
            self._last_balloon = None  # a click on this one opens the window, no monitor
            self.tray.showMessage(
                "Upwatch cannot save", problem, QSystemTrayIcon.MessageIcon.Critical, 10_000
            )

    def quit(self) -> None:
        """Stop checking, save everything, then leave."""
        if self._quitting:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # nothing runs without a loop: nothing to stop
            return
        self._quitting = True
        spawn(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            if self._refresher is not None:
                self._refresher.cancel()
                await asyncio.gather(self._refresher, return_exceptions=True)
            await self.account.stop()
            await self.monitoring.stop()
        finally:
            if self.tray is not None:
                self.tray.hide()
            self.workspace.close()
            self.stopped.set()


def run_app(argv: Sequence[str] = ()) -> int:
    """Start the tray app; return the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("Upwatch")
    theme = Theme(app)  # light or dark as the system says, and when it changes
    app.setQuitOnLastWindowClosed(False)
    name = instance_name()
    if ask_running_instance_to_show(name):
        sys.stdout.write("Upwatch is already running; its window was brought to the front.\n")
        return 0
    lock = RunnerLock(data_dir())
    try:
        lock.acquire()
        store_choice()  # a wrong UPWATCH_SECRET_STORE is said here, not as a traceback
        workspace = Workspace()
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch: error: {exc.message}\n")
        QMessageBox.critical(None, "Upwatch", exc.message)
        return exc.exit_code
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        tray_app = TrayApp(app, workspace)
        instance = SingleInstance(name, tray_app.show_window)
        app.aboutToQuit.connect(tray_app.quit)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: tray_app.quit())
        # Python runs signal handlers only between bytecodes: wake it up now and then while
        # Qt waits in C++, so Ctrl-C and SIGTERM stop the app cleanly.
        wake_python = QTimer(interval=250)
        wake_python.timeout.connect(lambda: None)
        wake_python.start()
        loop.run_until_complete(_run(tray_app))
        instance.close()
    del theme
    lock.release()
    return 0


async def _run(tray_app: TrayApp) -> None:
    await tray_app.start()
    where = "in the system tray" if tray_app.has_tray else "in its window (no system tray here)"
    sys.stdout.write(f"Upwatch is running {where}. Database: {tray_app.workspace.path}\n")
    sys.stdout.flush()
    await tray_app.stopped.wait()
