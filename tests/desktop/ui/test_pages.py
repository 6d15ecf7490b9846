"""The Alert channels and Settings pages, and choosing channels per monitor."""

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from desktop.ui.app import TrayApp
from desktop.ui.channel_dialog import ChannelDialog
from desktop.ui.channels_page import ChannelsPage
from desktop.ui.icons import tray_icon
from desktop.ui.monitor_dialog import MonitorDialog
from desktop.ui.settings_page import SettingsPage
from shared.status import Status
from tests.desktop.ui.conftest import running
from tests.support.target import TargetServer
from tests.support.wait import until
from tests.support.webhook import WebhookReceiver


def channels_page(app: TrayApp) -> ChannelsPage:
    page = app.window.tabs.widget(1)
    assert isinstance(page, ChannelsPage)
    return page


async def test_a_webhook_channel_is_added_tested_and_listed(
    app: TrayApp, webhook: WebhookReceiver
) -> None:
    async with running(app):
        page = channels_page(app)
        assert "No channels yet" in page.tree.topLevelItem(0).text(0)
        dialog = ChannelDialog(app.channels, parent=page)
        dialog.name.setText("Ops hook")
        dialog.kind.setCurrentIndex(dialog.kind.findData("webhook"))
        dialog.inputs["webhook"]["url"].setText(f"http://127.0.0.1:{webhook.port}/hook")
        await dialog.save()
        assert dialog.saved is not None
        assert page.tree.topLevelItem(0).text(0) == "Ops hook"
        page.tree.setCurrentItem(page.tree.topLevelItem(0))
        await page.send_test()
        assert "Test sent" in page.result.text()
        [request] = await webhook.wait_for_async(1)
        assert request.json is not None
        assert request.json["title"] == "Upwatch test notification"


async def test_a_bad_channel_shows_why_and_adds_nothing(app: TrayApp) -> None:
    async with running(app):
        dialog = ChannelDialog(app.channels, parent=app.window)
        dialog.name.setText("Mail")
        dialog.kind.setCurrentIndex(dialog.kind.findData("email"))
        dialog.inputs["email"]["to"].setText("not-an-address")
        await dialog.save()
        assert dialog.saved is None
        assert "recipient" in dialog.error.text()
        assert app.channels.channels == []


async def test_a_monitor_alerts_only_through_the_channels_ticked(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await app.channels.add("one", "webhook", {"url": "http://127.0.0.1:9/one"})
        await app.channels.add("two", "webhook", {"url": "http://127.0.0.1:9/two"})
        dialog = MonitorDialog(app.monitors, channels=app.channels, parent=app.window)
        assert all(box.isChecked() for box in dialog.channel_boxes.values())
        dialog.url.setText(target.url("status/200"))
        two = next(c.id for c in app.channels.channels if c.name == "two")
        dialog.channel_boxes[two].setChecked(False)
        await dialog.save()
        assert dialog.saved is not None
        linked = await app.channels.ids_for_monitor(dialog.saved.id)
        assert linked == {next(c.id for c in app.channels.channels if c.name == "one")}
        edit = MonitorDialog(app.monitors, dialog.saved, channels=app.channels, parent=app.window)
        await until(
            lambda: (
                not edit.channel_boxes[two].isChecked()
                and any(b.isChecked() for b in edit.channel_boxes.values())
            )
        )


async def test_the_edit_dialog_asks_for_cloud_checks(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText(target.url("status/200"))
        assert not dialog.cloud.isChecked()
        dialog.cloud.setChecked(True)
        await dialog.save()
        assert dialog.saved is not None
        await until(lambda: any(row.cloud for row in app.monitors.rows))
        [row] = app.monitors.rows
        edit = MonitorDialog(app.monitors, row.spec, cloud=row.cloud, parent=app.window)
        assert edit.cloud.isChecked()
        edit.cloud.setChecked(False)
        await edit.save()
        await until(lambda: not any(row.cloud for row in app.monitors.rows))


async def test_settings_save_as_they_change(app: TrayApp, tmp_path: Path) -> None:
    async with running(app):
        page = app.window.tabs.widget(2)
        assert isinstance(page, SettingsPage)
        page.notifications.setChecked(False)
        await until(lambda: not app.settings.settings.desktop_notifications)
        page.login.setChecked(True)
        await until(lambda: (tmp_path / "config" / "autostart" / "upwatch.desktop").exists())
        page.retention.setValue(7)
        page.retention.editingFinished.emit()
        await until(lambda: app.monitoring.settings.raw_retention_days == 7)


async def test_concurrency_change_applies_live(app: TrayApp, target: TargetServer) -> None:
    """Settings -> Checks at once changes the running app's checks at once, not at restart."""
    async with running(app):
        page = app.window.tabs.widget(2)
        assert isinstance(page, SettingsPage)
        page.concurrency.setValue(1)
        page.concurrency.editingFinished.emit()
        await until(lambda: app.monitoring.settings.concurrency == 1)
        for index in range(4):
            await app.monitors.add({"name": f"slow {index}", "url": target.url("slow/3001")})
        # each new monitor is checked at once: one runs, three wait for the limit
        await until(lambda: target.count("/slow/3001") == 1)
        await asyncio.sleep(0.3)
        assert target.count("/slow/3001") == 1
        page.concurrency.setValue(4)
        page.concurrency.editingFinished.emit()
        await until(lambda: target.count("/slow/3001") == 4, timeout=2)
        assert "Saved." in page.message.text()


async def test_monitor_actions_act_only_while_the_monitor_list_is_on_screen(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await app.monitors.add({"name": "Shop", "url": target.url("status/200")})
        window = app.window
        await until(lambda: window.model.rowCount() == 1)
        window.table.selectRow(0)
        monitor_actions = (
            window.edit_action,
            window.delete_action,
            window.pause_action,
            window.check_action,
        )
        assert all(action.isEnabled() for action in monitor_actions)
        for tab in range(1, window.tabs.count()):
            window.tabs.setCurrentIndex(tab)
            assert not any(action.isEnabled() for action in monitor_actions), tab
            assert window.toolbar.isHidden()
        window.tabs.setCurrentIndex(0)
        assert all(action.isEnabled() for action in monitor_actions)
        assert not window.toolbar.isHidden()


async def test_settings_fields_keep_their_own_width(app: TrayApp) -> None:
    async with running(app):
        page = app.window.tabs.widget(2)
        assert isinstance(page, SettingsPage)
        app.window.resize(1600, 800)
        app.window.show()
        app.window.tabs.setCurrentWidget(page)
        await until(lambda: page.retention.width() > 0)
        assert page.retention.width() < 300
        assert page.concurrency.width() < 300


async def test_the_list_shows_uptime_from_the_first_saved_check(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await app.monitors.add({"name": "Shop", "url": target.url("status/200")})
        # the first result is saved within a writer batch; the figure follows at once, not
        # at the next minute's refresh
        await until(lambda: app.monitors.rows[0].uptime_24h == 100.0, timeout=5)


async def test_the_window_icon_shows_the_same_status_as_the_tray(
    app: TrayApp, target: TargetServer
) -> None:
    def same(icon: QIcon, status: Status) -> bool:
        return icon.pixmap(32).toImage() == tray_icon(status).pixmap(32).toImage()

    async with running(app):
        await app.monitors.add(
            {"name": "Bad", "url": target.url("status/503"), "interval": 5, "confirmations": 1}
        )
        await until(lambda: app.monitors.summary[0] == Status.DOWN, timeout=30)
        assert same(app.window.windowIcon(), Status.DOWN)


async def test_the_list_keeps_long_names_readable_and_its_column_widths(
    app: TrayApp, target: TargetServer
) -> None:
    from desktop.ui.main_window import MainWindow

    long_name = "Admin portal of the accounting department, second site"
    async with running(app):
        await app.monitors.add({"name": long_name, "url": target.url("status/200")})
        window = app.window
        await until(lambda: window.model.rowCount() == 1)
        tip = window.model.data(window.model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
        assert tip.splitlines()[:2] == [long_name, target.url("status/200")]
        assert window.table.textElideMode() == Qt.TextElideMode.ElideMiddle
        assert window.table.columnWidth(1) <= 320  # the URL column keeps its room
        window.table.setColumnWidth(1, 251)
        window.table.save_columns()
        again = MainWindow(app.monitors, app.detail, keep_running_in_tray=lambda: True)
        try:
            assert again.table.columnWidth(1) == 251
        finally:
            again.deleteLater()
