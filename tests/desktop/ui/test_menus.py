"""The menu bar (File: Import, Export, Quit; Monitor; Help), the row's context menu and the
keys shown in the menus."""

import json
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from desktop.ui.app import TrayApp
from desktop.ui.menus import export_to, import_from, shortcuts_text
from tests.desktop.ui.conftest import running
from tests.support.wait import until


def menu_texts(app: TrayApp) -> dict[str, list[str]]:
    bar = app.window.menuBar()
    return {
        action.text(): [a.text() for a in action.menu().actions() if a.text()]
        for action in bar.actions()
    }


async def test_the_menu_bar_holds_file_monitor_and_help(app: TrayApp) -> None:
    async with running(app):
        assert menu_texts(app) == {
            "&File": ["Import…", "Export…", "Quit Upwatch"],
            "&Monitor": [
                "Add monitor",
                "Edit",
                "Pause",
                "Check now",
                "Tag…",
                "Share…",
                "Delete",
                "Filter…",
            ],
            "&Help": ["Keyboard shortcuts", "About Upwatch"],
        }
        window = app.window
        assert window.pause_action.shortcut() == QKeySequence(Qt.Key.Key_Space)
        assert window.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
        assert window.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
        for keys in ("Ctrl+N", "Ctrl+F", "Space", "Ctrl+R", "Delete"):
            assert keys in shortcuts_text()


async def test_ctrl_f_puts_the_cursor_in_the_filter(app: TrayApp) -> None:
    async with running(app):
        await app.monitors.add({"url": "http://127.0.0.1:9/", "name": "Shop"})
        window = app.window
        window.show()
        window.tabs.setCurrentIndex(2)
        window.find_action.trigger()
        assert window.tabs.currentIndex() == 0
        await until(lambda: window.filter.hasFocus())


async def test_a_rows_context_menu_holds_its_actions(app: TrayApp) -> None:
    async with running(app):
        await app.monitors.add({"url": "http://127.0.0.1:9/", "name": "Shop"})
        window = app.window
        await until(lambda: window.model.rowCount() == 1)
        window.table.selectRow(0)
        texts = [a.text() for a in window.row_menu().actions() if a.text()]
        assert texts == ["Edit", "Pause", "Check now", "Tag…", "Share…", "Delete"]
        assert all(a.isEnabled() for a in window.row_menu().actions() if a.text())


async def test_export_then_import_from_the_file_menu(app: TrayApp, tmp_path: Path) -> None:
    async with running(app):
        await app.monitors.add({"url": "http://127.0.0.1:9/a", "name": "Shop"})
        await app.monitors.add({"url": "http://127.0.0.1:9/b", "name": "Blog"})
        path = tmp_path / "monitors.json"
        assert await export_to(app.window, path)
        assert "Wrote 2 monitors to" in app.window.statusBar().currentMessage()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # channel tokens could be in it
        document = json.loads(path.read_text())
        assert sorted(m["name"] for m in document["monitors"]) == ["Blog", "Shop"]
        for row in list(app.monitors.rows):
            await app.monitors.remove(row.spec.id)
        assert app.monitors.rows == []
        assert await import_from(app.window, path)
        assert app.window.statusBar().currentMessage() == "Imported 2 monitors and 0 channels."
        assert sorted(r.spec.name for r in app.monitors.rows) == ["Blog", "Shop"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json, not yaml: [", "neither JSON nor YAML"),
        ('{"upwatch": 1, "monitors": [{"url": "ftp://x"}]}', "monitors.0.url"),
    ],
)
async def test_a_bad_import_file_says_why_and_imports_nothing(
    app: TrayApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, says: str
) -> None:
    shown: list[str] = []
    async with running(app):
        monkeypatch.setattr(app.window, "show_error", shown.append)
        path = tmp_path / "broken.json"
        path.write_text(content)
        assert not await import_from(app.window, path)
        assert len(shown) == 1
        assert shown[0].startswith("Nothing was imported: ")
        assert says in shown[0]
        assert app.monitors.rows == []
