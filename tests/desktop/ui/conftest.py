"""Qt tests run their async code on the qasync loop over one QApplication."""

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.support.wait import until

if TYPE_CHECKING:
    from desktop.runtime.monitoring import Monitoring
    from desktop.ui.app import TrayApp
    from desktop.ui.tray import TrayIcon


def make_qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    # As in the real app: closing the last window must not quit (and stop the loop).
    app.setQuitOnLastWindowClosed(False)
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"qasync": make_qasync_loop}


@pytest.fixture(autouse=True)
async def collect_qt_leftovers() -> AsyncIterator[None]:
    """Free each test's Qt objects (controllers too) while its loop still runs.

    Left to a later garbage collection, a controller of one test was freed inside the next
    test's event processing and crashed the process now and then (test_controllers.py).
    """
    yield
    await asyncio.sleep(0.02)
    gc.collect()
    await asyncio.sleep(0.02)


@asynccontextmanager
async def running(app: "TrayApp") -> AsyncIterator["TrayApp"]:
    """Start the app and stop it before the test returns.

    Stopping inside the test matters: if the loop stopped with the app still running,
    pytest-qt's processEvents would step qasync callbacks outside any running loop.
    """
    await app.start()
    try:
        yield app
    finally:
        app.quit()
        await until(lambda: app.stopped.is_set())
        await dispose(app.window)


async def dispose(widget: QWidget) -> None:
    """Delete a widget tree and collect garbage while the loop still runs.

    Left to the garbage collector, Qt objects of one test were freed during the next test's
    processEvents, which crashed now and then.
    """
    widget.close()
    widget.deleteLater()
    await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0.02)


@asynccontextmanager
async def stopping(monitoring: "Monitoring") -> AsyncIterator["Monitoring"]:
    """Stop a Monitoring (started or not) before the test returns."""
    try:
        yield monitoring
    finally:
        await monitoring.stop()


@pytest.fixture
def app(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> "TrayApp":
    """The tray app on a fresh database in the test's folder, not started (use running());
    start-at-login entries go to the test's folder and the network always counts as up."""
    from desktop.services.workspace import Workspace
    from desktop.ui.app import TrayApp

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # Qt reads XDG_CONFIG_HOME once per process: point its settings (column widths, grouping)
    # at this test's folder, so no test inherits another's
    user = QSettings.Scope.UserScope
    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(form, user, str(tmp_path / "config"))
    instance = QApplication.instance()
    assert isinstance(instance, QApplication)
    tray_app = TrayApp(instance, Workspace(tmp_path / "upwatch.sqlite3"))
    tray_app.monitoring._connectivity._route_check = lambda: True
    return tray_app


def tray_of(app: "TrayApp", *, with_account: bool = True) -> "TrayIcon":
    """A tray icon over the app's controllers (offscreen the app makes none), with its
    account lines unless told otherwise."""
    from desktop.ui.tray import TrayIcon

    return TrayIcon(
        app.monitors,
        open_window=app.show_window,
        open_monitor=app.show_monitor,
        add_monitor=app.add_monitor,
        open_account=app.show_account,
        pause_all=lambda pause: None,
        quit_app=lambda: None,
        account=app.account if with_account else None,
    )


async def dispose_tray(tray: "TrayIcon") -> None:
    """Hide and delete a tray icon while the loop still runs."""
    tray.hide()
    tray.deleteLater()
    await asyncio.sleep(0.05)
