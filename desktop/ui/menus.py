"""The main window's menu bar: File (Import, Export, Quit), Monitor (its actions with their
keys) and Help (keyboard shortcuts, About)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.errors import UpwatchError
from desktop.ui.tasks import spawn

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

EXPORT_FILTER = "Upwatch export (*.json);;YAML (*.yaml *.yml);;CSV, monitors only (*.csv)"
SHORTCUTS = (
    ("Ctrl+N", "Add a monitor"),
    ("Ctrl+F", "Filter the list"),
    ("Enter or double click", "Edit the selected monitor"),
    ("Space", "Pause or resume it"),
    ("Ctrl+R", "Check it now"),
    ("Ctrl+T", "Tag it (or all selected)"),
    ("Ctrl+A", "Select every monitor shown"),
    ("Delete", "Delete it (after asking)"),
    ("Ctrl+Q", "Quit Upwatch"),
)


def build_menus(window: MainWindow) -> None:
    """Give window its menu bar; the Monitor menu shares the toolbar's actions."""
    bar = window.menuBar()
    file = bar.addMenu("&File")
    window.import_action = _add(window, file, "Import…", lambda: ask_import(window))
    window.export_action = _add(window, file, "Export…", lambda: ask_export(window))
    for action in (window.import_action, window.export_action):
        action.setEnabled(window.transfer is not None)
    file.addSeparator()
    window.quit_action = _add(window, file, "Quit Upwatch", window.quit_app)
    window.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    monitor = bar.addMenu("&Monitor")
    for action in (
        window.add_action,
        window.edit_action,
        window.pause_action,
        window.check_action,
        window.tag_action,
        window.share_action,
    ):
        monitor.addAction(action)
    monitor.addSeparator()
    monitor.addAction(window.delete_action)
    window.find_action = _add(window, monitor, "Filter…", window.focus_filter)
    window.find_action.setShortcut(QKeySequence.StandardKey.Find)
    help_menu = bar.addMenu("&Help")
    _add(window, help_menu, "Keyboard shortcuts", lambda: show_shortcuts(window))
    _add(window, help_menu, "About Upwatch", lambda: show_about(window))


def _add(window: MainWindow, menu: object, text: str, slot: object) -> QAction:
    action = QAction(text, window)
    action.triggered.connect(lambda _=False: slot())  # type: ignore[operator]
    menu.addAction(action)  # type: ignore[attr-defined]
    return action


def shortcuts_text() -> str:
    """Return the keyboard shortcuts as an HTML table."""
    rows = "".join(
        f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>" for keys, what in SHORTCUTS
    )
    return f"<table>{rows}</table>"


def show_shortcuts(window: MainWindow) -> QMessageBox:
    """Show the shortcuts without blocking the loop; return the box."""
    box = QMessageBox(
        QMessageBox.Icon.Information, "Keyboard shortcuts", shortcuts_text(), parent=window
    )
    box.open()
    return box


def show_about(window: MainWindow) -> QMessageBox:
    """Show what Upwatch is and its version; return the box."""
    from importlib.metadata import version

    text = (
        f"<b>Upwatch {version('upwatch')}</b><p>Checks your sites and services from this"
        " computer and tells you the moment one goes down.</p>"
    )
    box = QMessageBox(QMessageBox.Icon.Information, "About Upwatch", text, parent=window)
    box.open()
    return box


def ask_import(window: MainWindow) -> None:
    """Ask for an Upwatch export file and import it."""
    path, _ = QFileDialog.getOpenFileName(
        window, "Import monitors", "", "Upwatch export (*.json *.yaml *.yml)"
    )
    if path:
        spawn(import_from(window, Path(path)))


def ask_export(window: MainWindow) -> None:
    """Ask where to save an export and write it."""
    path, _ = QFileDialog.getSaveFileName(
        window, "Export monitors", "upwatch-export.json", EXPORT_FILTER
    )
    if path:
        spawn(export_to(window, Path(path)))


async def import_from(window: MainWindow, path: Path) -> bool:
    """Import path; say the outcome in the status bar, or why not in a warning."""
    if window.transfer is None:
        return False
    try:
        said = await window.transfer.import_file(path)
    except UpwatchError as exc:
        window.show_error(f"Nothing was imported: {exc.message}")
        return False
    window.statusBar().showMessage(said, 10_000)
    return True


async def export_to(window: MainWindow, path: Path) -> bool:
    """Export to path; say the outcome in the status bar, or why not in a warning."""
    if window.transfer is None:
        return False
    try:
        said = await window.transfer.export_file(path)
    except UpwatchError as exc:
        window.show_error(f"Nothing was exported: {exc.message}")
        return False
    window.statusBar().showMessage(said, 10_000)
    return True
