"""The widgets with their controllers, and the whole app end to end (offscreen)."""

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.services.workspace import Workspace
from desktop.ui.app import NO_TRAY_NOTICE, TrayApp
from desktop.ui.monitor_dialog import MonitorDialog
from shared.messages import Message
from shared.status import Status
from tests.desktop.ui.conftest import dispose_tray, running, tray_of
from tests.support.target import TargetServer
from tests.support.wait import until
from tests.support.webhook import WebhookReceiver


async def test_a_first_run_shows_the_window_with_its_empty_state(app: TrayApp) -> None:
    async with running(app):
        assert app.window.isVisible()
        assert app.window.empty_hint.isVisible()
        assert not app.window.table.isVisible()
        assert not app.window.edit_action.isEnabled()


async def test_without_a_system_tray_the_window_says_so(app: TrayApp) -> None:
    """Offscreen there is no tray: the app runs window-only and tells the user."""
    assert not app.has_tray
    assert app.window.notice.text() == NO_TRAY_NOTICE


async def test_a_damaged_database_was_moved_aside_and_the_window_says_where(
    tmp_path: Path, qtbot: QtBot
) -> None:
    """The app opens on a garbage file (moved aside by Database) and tells the user in a
    warning over its window, which is shown even when a tray would hide it."""
    path = tmp_path / "upwatch.sqlite3"
    path.write_bytes(b"not a database " * 1000)
    workspace = Workspace(path)
    db = workspace.db
    instance = QApplication.instance()
    assert isinstance(instance, QApplication)
    tray_app = TrayApp(instance, workspace)
    async with running(tray_app):
        box = tray_app.database_notice
        assert box is not None
        assert box.isVisible()
        assert tray_app.window.isVisible()
        assert db.moved_aside is not None
        assert box.text() == db.moved_aside.message
        assert str(db.moved_aside.moved_to) in box.text()
        assert db.moved_aside.moved_to.read_bytes() == b"not a database " * 1000
        box.close()


async def test_an_intact_database_opens_without_a_notice(app: TrayApp) -> None:
    async with running(app):
        assert app.workspace.notice is None
        assert app.database_notice is None


async def test_a_storage_problem_shows_in_the_status_bar_until_it_clears(app: TrayApp) -> None:
    app.monitors.storage_problem_changed.emit("Check results are not being saved: disk full")
    assert app.window.storage_problem.text() == "Check results are not being saved: disk full"
    app.monitors.storage_problem_changed.emit("")
    assert app.window.storage_problem.text() == ""


async def test_the_dialog_validates_inline_and_saves(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        dialog.url.setText("ftp://example.com")
        assert not dialog.validate()
        assert "http:// or https://" in dialog.error.text()
        assert not save.isEnabled()
        dialog.url.setText(target.url("status/200"))
        dialog.name.setText("Shop")
        dialog.interval.setValue(60)
        dialog.headers.setPlainText("X-Token: 1\nnot a header")
        assert not dialog.validate()
        assert "Name: value" in dialog.error.text()
        dialog.headers.setPlainText("X-Token: 1")
        assert dialog.validate()
        await dialog.test_now()
        assert "Up" in dialog.test_result.text()
        await dialog.save()
        assert dialog.saved is not None
        assert [row.spec.name for row in app.monitors.rows] == ["Shop"]
        assert app.monitors.rows[0].spec.headers == {"X-Token": "1"}


async def test_a_site_going_down_turns_the_app_red_and_alerts(
    app: TrayApp, target: TargetServer, switch_name: str, webhook: WebhookReceiver
) -> None:
    """End to end: dialog → down on 500 → red state and tooltip → webhook alert → recovery."""
    async with running(app):
        app.workspace.channels().add("hook", webhook.apprise_url())
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText(target.switch_url(switch_name))
        dialog.name.setText("Shop")
        dialog.confirmations.setValue(1)
        await dialog.save()
        spec = dialog.saved
        assert spec is not None
        app.window.select_monitor(spec.id)
        await until(lambda: app.monitors.rows[0].status == Status.UP)

        target.set_switch(switch_name, status=500)
        await until(lambda: app.monitors.check_now(spec.id))
        await until(lambda: app.monitors.rows[0].status == Status.DOWN)
        assert app.monitors.summary == (Status.DOWN, "1 down")
        assert app.window.model.data(app.window.model.index(0, 0)) == "Down"
        [alert] = await webhook.wait_for_async(1)
        assert alert.json is not None
        assert alert.json["title"] == "Shop is down"
        await until(lambda: app.detail.detail is not None and app.detail.detail.incidents)

        target.set_switch(switch_name, status=200)
        await until(lambda: app.monitors.check_now(spec.id))
        await until(lambda: app.monitors.rows[0].status == Status.UP)
        received = await webhook.wait_for_async(2)
        assert received[1].json is not None
        assert received[1].json["title"] == "Shop is up again"


async def test_the_tray_icon_follows_the_worst_state(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        tray = tray_of(app, with_account=False)
        await app.monitors.add({"url": target.url("status/200"), "name": "ok", "interval": 60})
        await app.monitors.add(
            {"url": target.url("status/503"), "name": "bad", "interval": 5, "confirmations": 1}
        )
        # a new monitor's first failure does not count: down after its recheck (5 s later)
        await until(lambda: tray.toolTip() == "Upwatch — 1 up · 1 down", timeout=30)
        tray.rebuild_menu()
        texts = [action.text() for action in tray.menu.actions()]
        assert texts[0] == "1 up · 1 down"
        assert any(text.startswith("bad") for text in texts)
        assert "Check all now" in texts
        assert "Quit Upwatch" in texts


async def test_alerts_that_come_together_make_one_notification_balloon(
    app: TrayApp, target: TargetServer, switch_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    switches = [f"{switch_name}-{i}" for i in range(3)]
    async with running(app):
        tray = tray_of(app, with_account=False)
        shown: list[tuple[str, str]] = []
        monkeypatch.setattr(
            tray, "showMessage", lambda title, body, *_: shown.append((title, body))
        )
        app.tray = tray
        for i, switch in enumerate(switches):
            fields = {"name": f"site-{i}", "url": target.switch_url(switch), "confirmations": 1}
            await app.monitors.add(fields)
        await until(lambda: all(row.status == Status.UP for row in app.monitors.rows))
        try:
            for switch in switches:
                target.set_switch(switch, status=500)
            app.monitors.check_all()
            await until(lambda: len(shown) == 1, timeout=10)
            await asyncio.sleep(2)  # and no second one
        finally:
            for switch in switches:
                target.clear_switch(switch)
            app.tray = None
            await dispose_tray(tray)
    assert shown == [("3 monitors are down", "site-0, site-1, site-2")]


async def test_notification_click_opens_the_window_on_the_monitor_it_tells_of(
    app: TrayApp, target: TargetServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(app):
        tray = tray_of(app, with_account=False)
        monkeypatch.setattr(tray, "showMessage", lambda *_: None)
        app.tray = tray
        ok = await app.monitors.add({"name": "ok", "url": target.url("status/200")})
        bad = await app.monitors.add({"name": "bad", "url": target.url("status/503")})
        await until(lambda: app.window.model.rowCount() == 2)
        app.window.hide()
        try:
            message = Message("down", "bad is down", "…")
            app.balloons.add("bad", message, bad.id)
            app.balloons.add("ok", Message("up", "ok is up again", "…"), ok.id)
            app.balloons.flush()
            app.balloon_clicked()
            assert app.window.isVisible()
            view = app.window.selected()
            assert view is not None
            assert view.spec.id == bad.id
        finally:
            app.tray = None
            await dispose_tray(tray)


async def test_the_tray_menu_lists_down_monitors_first(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        tray = tray_of(app, with_account=False)
        try:
            await app.monitors.add({"name": "a-ok", "url": target.url("status/200")})
            await app.monitors.add(
                {
                    "name": "z-bad",
                    "url": target.url("status/503"),
                    "interval": 5,
                    "confirmations": 1,
                }
            )
            await until(lambda: app.monitors.summary[0] == Status.DOWN, timeout=30)
            tray.rebuild_menu()
            names = [a.text() for a in tray.menu.actions() if a.text().startswith(("a-", "z-"))]
            assert [name.split()[0] for name in names] == ["z-bad", "a-ok"]
        finally:
            await dispose_tray(tray)
