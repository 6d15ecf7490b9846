"""What the monitor actions do to a selection of one monitor or many (Shift/Ctrl-click,
Ctrl+A): one confirmation for a delete, one pause or resume for all."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.controllers.monitors import MonitorsController, MonitorView


def label(views: Sequence[MonitorView]) -> str:
    """Return the name of one monitor ("Shop"), "3 monitors" for more."""
    return views[0].spec.name if len(views) == 1 else f"{len(views)} monitors"


def resumes(views: Sequence[MonitorView]) -> bool:
    """True when the pause action resumes: every selected monitor is paused."""
    return bool(views) and all(not view.spec.is_active for view in views)


def confirm_delete(parent: QWidget, views: Sequence[MonitorView]) -> bool:
    """Ask once whether to delete the monitors and their history; return the answer."""
    answer = QMessageBox.question(
        parent,
        "Delete monitor" if len(views) == 1 else "Delete monitors",
        f"Delete {'“' + label(views) + '”' if len(views) == 1 else label(views)} and all"
        f" {'its' if len(views) == 1 else 'their'} history?"
        " This cannot be undone.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


async def delete(monitors: MonitorsController, views: Sequence[MonitorView]) -> None:
    """Delete each monitor; the first refusal is told and stops the rest."""
    for view in views:
        if not await monitors.run_safely(monitors.remove(view.spec.id)):
            return


async def pause_or_resume(monitors: MonitorsController, views: Sequence[MonitorView]) -> None:
    """Resume them all when all are paused, else pause those that run."""
    active = resumes(views)
    for view in (v for v in views if v.spec.is_active != active):
        if not await monitors.run_safely(monitors.set_active(view.spec.id, active)):
            return


def check_now(monitors: MonitorsController, views: Sequence[MonitorView]) -> list[str]:
    """Check each active monitor now; return the names of those already being checked."""
    return [
        view.spec.name
        for view in views
        if view.spec.is_active and not monitors.check_now(view.spec.id)
    ]
