"""Share on the status page: the main window's action and what it tells the user."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.controllers.sharing import SharingController


def open_link(url: str) -> None:
    """Show a page in the user's browser."""
    QDesktopServices.openUrl(QUrl(url))


def copy_link(url: str) -> None:
    """Put a link on the clipboard."""
    QGuiApplication.clipboard().setText(url)


async def share_monitor(
    parent: QWidget, controller: SharingController, monitor_ids: list[str], name: str
) -> QMessageBox:
    """Put the monitors on the status page, copy the page's link and say so (with Open);
    name says which ("Shop", "3 monitors")."""
    page, problem = await controller.share(monitor_ids)
    box = QMessageBox(parent)
    box.setWindowTitle("Share status page")
    if page is None:
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(f"{name} could not be shared.")
        box.setInformativeText(problem or "")
        box.addButton(QMessageBox.StandardButton.Close)
    else:
        copy_link(page.url)
        box.setIcon(QMessageBox.Icon.Information)
        where = "is" if len(monitor_ids) == 1 else "are"
        box.setText(f"{name} {where} on your status page “{page.title}”. The link is copied:")
        box.setInformativeText(
            f"{page.url}\n\nAnyone with the link sees its status, uptime and incidents"
            " (never its address or errors)."
        )
        opener = box.addButton("Open", QMessageBox.ButtonRole.ActionRole)
        opener.clicked.connect(lambda: open_link(page.url))
        box.addButton(QMessageBox.StandardButton.Close)
    box.open()
    return box
