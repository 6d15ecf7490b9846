"""The alert channel dialog: the monitors a channel alerts for, editing, and every failure
of Save shown in the dialog, in full, with what was typed kept."""

import uuid

import pytest
from PySide6.QtCore import Qt

from desktop.secrets.store import channel_secret_key
from desktop.ui.app import TrayApp
from desktop.ui.channel_dialog import CHOOSE_MONITORS, ChannelDialog
from tests.desktop.ui.conftest import running
from tests.support.memkeyring import MemoryKeyring

HOOK = "http://127.0.0.1:9/hook"


async def add_monitors(app: TrayApp, *names: str) -> dict[str, uuid.UUID]:
    for name in names:
        await app.monitors.add({"url": f"http://127.0.0.1:9/{name}", "name": name})
    return {row.spec.name: row.spec.id for row in app.monitors.rows}


def tick(dialog: ChannelDialog, *names: str) -> None:
    for row in range(dialog.monitor_list.count()):
        item = dialog.monitor_list.item(row)
        checked = item.text() in names
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


def webhook_dialog(app: TrayApp, name: str = "Ops hook") -> ChannelDialog:
    dialog = ChannelDialog(app.channels, parent=app.window)
    dialog.name.setText(name)
    dialog.kind.setCurrentIndex(dialog.kind.findData("webhook"))
    dialog.inputs["webhook"]["url"].setText(HOOK)
    return dialog


async def test_channel_scope_unticking_every_monitor_shows_a_picker_and_saves_only_those(
    app: TrayApp,
) -> None:
    async with running(app):
        ids = await add_monitors(app, "Shop", "Blog")
        dialog = webhook_dialog(app)
        await dialog.load()
        assert dialog.monitor_list.isHidden()
        dialog.all_monitors.setChecked(False)
        assert not dialog.monitor_list.isHidden()
        assert [dialog.monitor_list.item(r).text() for r in range(2)] == ["Shop", "Blog"]
        tick(dialog, "Shop")
        await dialog.save()
        assert dialog.saved is not None
        assert not dialog.saved.is_default
        assert await app.channels.scope_of(dialog.saved.id) == [str(ids["Shop"])]
        assert await app.channels.ids_for_monitor(ids["Blog"]) == set()
        later = await add_monitors(app, "Later")
        assert await app.channels.ids_for_monitor(later["Later"]) == set()


async def test_channel_scope_every_monitor_includes_new_ones(app: TrayApp) -> None:
    async with running(app):
        await add_monitors(app, "Shop")
        dialog = webhook_dialog(app)
        await dialog.load()
        await dialog.save()
        assert dialog.saved is not None
        assert dialog.saved.is_default
        later = await add_monitors(app, "Later")
        assert await app.channels.ids_for_monitor(later["Later"]) == {dialog.saved.id}


async def test_channel_scope_with_no_monitor_ticked_is_refused_and_nothing_is_saved(
    app: TrayApp,
) -> None:
    async with running(app):
        await add_monitors(app, "Shop")
        dialog = webhook_dialog(app)
        await dialog.load()
        dialog.all_monitors.setChecked(False)
        await dialog.save()
        assert dialog.saved is None
        assert dialog.error.text() == CHOOSE_MONITORS
        assert app.channels.channels == []


async def test_channel_scope_edit_changes_name_and_monitors_and_keeps_the_address(
    app: TrayApp, memory_keyring: MemoryKeyring
) -> None:
    async with running(app):
        ids = await add_monitors(app, "Shop", "Blog")
        first = await app.channels.add("Ops hook", "webhook", {"url": HOOK})
        dialog = ChannelDialog(app.channels, parent=app.window, channel=first)
        await dialog.load()
        assert (dialog.windowTitle(), dialog.name.text()) == ("Edit alert channel", "Ops hook")
        assert dialog.current_kind == "webhook"
        assert dialog.all_monitors.isChecked()
        assert dialog.inputs["webhook"]["url"].placeholderText() == "unchanged"
        dialog.name.setText("Night shift")
        dialog.all_monitors.setChecked(False)
        tick(dialog, "Blog")
        await dialog.save()
        assert dialog.saved is not None
        assert [c.name for c in app.channels.channels] == ["Night shift"]
        assert await app.channels.scope_of(first.id) == [str(ids["Blog"])]
        key = channel_secret_key(first.id)
        assert memory_keyring.get_password("upwatch", key) == "json://127.0.0.1:9/hook"
        again = ChannelDialog(app.channels, parent=app.window, channel=dialog.saved)
        await again.load()
        ticked = [again.monitor_list.item(r) for r in range(again.monitor_list.count())]
        assert [i.text() for i in ticked if i.checkState() == Qt.CheckState.Checked] == ["Blog"]
        assert not again.all_monitors.isChecked()


async def test_channel_scope_edit_with_a_new_address_replaces_it(
    app: TrayApp, memory_keyring: MemoryKeyring
) -> None:
    async with running(app):
        first = await app.channels.add("Ops hook", "webhook", {"url": HOOK})
        dialog = ChannelDialog(app.channels, parent=app.window, channel=first)
        await dialog.load()
        dialog.inputs["webhook"]["url"].setText("http://127.0.0.1:9/other")
        await dialog.save()
        assert dialog.saved is not None
        key = channel_secret_key(first.id)
        assert memory_keyring.get_password("upwatch", key) == "json://127.0.0.1:9/other"


async def test_a_keyring_that_fails_shows_in_the_dialog_in_full_and_keeps_what_was_typed(
    app: TrayApp, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = "the Secret Service answered org.freedesktop.DBus.Error.NoReply " + "x" * 300

    def broken(service: str, username: str, password: str) -> None:
        raise RuntimeError(reason)

    async with running(app):
        monkeypatch.setattr(memory_keyring, "set_password", broken)
        dialog = webhook_dialog(app)
        await dialog.load()
        await dialog.save()
        assert dialog.saved is None
        assert reason in dialog.error.text()
        assert dialog.result() != ChannelDialog.DialogCode.Accepted
        assert (dialog.name.text(), dialog.inputs["webhook"]["url"].text()) == ("Ops hook", HOOK)
        assert app.channels.channels == []


async def test_an_error_goes_away_when_the_kind_changes(app: TrayApp) -> None:
    async with running(app):
        dialog = ChannelDialog(app.channels, parent=app.window)
        dialog.name.setText("Mail")
        dialog.kind.setCurrentIndex(dialog.kind.findData("email"))
        await dialog.save()
        assert "recipient" in dialog.error.text()
        dialog.kind.setCurrentIndex(dialog.kind.findData("slack"))
        assert dialog.error.text() == ""
