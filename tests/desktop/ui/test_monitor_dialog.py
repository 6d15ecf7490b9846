"""The monitor dialog keeps what is typed: a number out of range is marked at its field and
blocks Save, and nothing is changed behind the user's back."""

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from desktop.ui.app import TrayApp
from desktop.ui.monitor_dialog import MonitorDialog
from tests.desktop.ui.conftest import running


def type_into(dialog: MonitorDialog, name: str, text: str) -> None:
    """Select the box's text, type text and leave the field with Tab, as a person does."""
    box = getattr(dialog, name)
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key.Key_Tab)
    box.editingFinished.emit()
    dialog.validate()


def save_enabled(dialog: MonitorDialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


@pytest.mark.parametrize(
    ("field", "typed", "value", "says"),
    [
        ("interval", "1", 1, "5 s or more"),
        ("interval", "999999", 999999, "at most 604800 s"),
        ("confirmations", "0", 0, "1 or more"),
        ("confirmations", "11", 11, "at most 10"),
        ("timeout", "500", 500.0, "at most 120 s"),
    ],
)
async def test_interval_out_of_range_and_other_numbers_are_marked_at_their_field_and_block_save(
    app: TrayApp, field: str, typed: str, value: float, says: str
) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText("https://shop.example.com/")
        dialog.validate()
        assert save_enabled(dialog)
        type_into(dialog, field, typed)
        box, label, _unit, note = dialog._numbers[field]
        assert box.value() == value  # kept as typed, not snapped to another value
        assert not note.isHidden()
        assert says in note.text()
        assert label in dialog.error.text()
        assert not save_enabled(dialog)
        await dialog.save()
        assert dialog.saved is None
        assert app.monitors.rows == []


async def test_interval_out_of_range_in_an_edit_changes_nothing(app: TrayApp) -> None:
    async with running(app):
        spec = await app.monitors.add({"url": "https://shop.example.com/", "interval": 60})
        dialog = MonitorDialog(app.monitors, spec, parent=app.window)
        type_into(dialog, "interval", "1")
        assert dialog.interval.value() == 1
        assert not save_enabled(dialog)
        await dialog.save()
        assert dialog.saved is None
        assert app.monitors.rows[0].spec.interval == 60


async def test_a_shorter_interval_brings_an_untouched_timeout_along_on_screen(
    app: TrayApp,
) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText("https://shop.example.com/")
        type_into(dialog, "interval", "10")
        assert dialog.timeout.value() == 10.0  # shown in the form, not changed on saving
        type_into(dialog, "timeout", "8")
        type_into(dialog, "interval", "6")
        assert dialog.timeout.value() == 8.0  # set by the user: left as it is, and marked
        assert not save_enabled(dialog)
        assert "timeout" in dialog.error.text()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("example.com", "https://example.com"),
        ("shop.example.com/health", "https://shop.example.com/health"),
        ("192.168.1.10:8080/status", "https://192.168.1.10:8080/status"),
        ("http://intranet.local/", "http://intranet.local/"),
        ("", ""),
        ("not a url", "not a url"),
    ],
)
async def test_a_bare_host_becomes_https_in_the_field_before_saving(
    app: TrayApp, typed: str, shown: str
) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText(typed)
        dialog.url.editingFinished.emit()
        assert dialog.url.text() == shown


async def test_the_add_dialog_is_short_with_only_the_basics_open(app: TrayApp) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        sections = (dialog.up_section, dialog.request_section, dialog.alerts_section)
        assert not any(section.expanded for section in sections)
        dialog.request_section.toggle.click()  # a click on its title opens it
        assert dialog.request_section.expanded
        dialog.reject()


@pytest.mark.parametrize(
    ("field", "section", "fill", "says"),
    [
        ("headers", "request_section", lambda d: d.headers.setPlainText("no colon"), "Name: value"),
        ("keyword", "up_section", lambda d: (d.method.setCurrentText("HEAD"),
                                             d.keyword.setText("ok")), "HEAD"),
        ("expected_status", "up_section", lambda d: d.expected.setText("700"), "700"),
    ],
)  # fmt: skip
async def test_an_error_is_shown_beside_its_field_and_opens_its_section(
    app: TrayApp, field: str, section: str, fill: Any, says: str
) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText("https://shop.example.com/")
        fill(dialog)
        assert not dialog.validate()
        note = dialog.notes[field]
        assert not note.isHidden()
        assert says in note.text()
        assert getattr(dialog, section).expanded
        assert not save_enabled(dialog)
        assert [name for name, n in dialog.notes.items() if not n.isHidden()] == [field]
        dialog.reject()


async def test_editing_opens_the_sections_that_hold_its_own_values(app: TrayApp) -> None:
    async with running(app):
        spec = await app.monitors.add({"url": "https://shop.example.com/", "keyword": "Welcome"})
        dialog = MonitorDialog(app.monitors, spec, parent=app.window)
        assert dialog.up_section.expanded  # its keyword is not hidden from the person editing
        assert not dialog.request_section.expanded
        dialog.reject()
