"""Bulk actions: select many monitors (Shift/Ctrl-click, Ctrl+A), then pause, resume, check
now or delete them all, with one confirmation."""

import asyncio

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox

from desktop.ui.app import TrayApp
from tests.desktop.ui.conftest import running
from tests.support.target import TargetServer
from tests.support.wait import until


async def three_selected(app: TrayApp, target: TargetServer) -> None:
    for name in ("Shop", "Blog", "API"):
        await app.monitors.add({"name": name, "url": target.url("status/200"), "interval": 600})
    await until(lambda: app.window.model.rowCount() == 3)
    app.window.table.selectAll()  # what Ctrl+A does


async def test_bulk_selection_enables_the_actions_for_many_but_edit_for_one(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await three_selected(app, target)
        window = app.window
        assert len(window.selected_views()) == 3
        assert not window.edit_action.isEnabled()
        for action in (window.delete_action, window.pause_action, window.check_action):
            assert action.isEnabled()
        window.table.clearSelection()
        window.table.selectionModel().select(
            window.model.index(1, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
        assert window.edit_action.isEnabled()


async def test_bulk_pause_then_resume_all(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        await three_selected(app, target)
        window = app.window
        window.pause_action.trigger()
        await until(lambda: not any(row.spec.is_active for row in app.monitors.rows))
        window.table.selectAll()
        assert window.pause_action.text() == "Resume"
        window.pause_action.trigger()
        await until(lambda: all(row.spec.is_active for row in app.monitors.rows))


async def test_bulk_check_now_checks_each(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        await three_selected(app, target)
        await until(lambda: all(row.last_checked_at for row in app.monitors.rows))
        before = app.monitoring.scheduler.stats.started
        app.window.check_action.trigger()
        await until(lambda: app.monitoring.scheduler.stats.started >= before + 3)


@pytest.mark.parametrize(
    ("answer", "left"),
    [(QMessageBox.StandardButton.Yes, 0), (QMessageBox.StandardButton.Cancel, 3)],
)
async def test_bulk_delete_asks_once(
    app: TrayApp,
    target: TargetServer,
    monkeypatch: pytest.MonkeyPatch,
    answer: QMessageBox.StandardButton,
    left: int,
) -> None:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    async with running(app):
        await three_selected(app, target)
        app.window.delete_action.trigger()
        assert asked == ["Delete 3 monitors and all their history? This cannot be undone."]
        await until(lambda: len(app.monitors.rows) == left)
        await asyncio.sleep(0.3)  # and stays so
        assert len(app.monitors.rows) == left
