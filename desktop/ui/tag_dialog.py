"""TagDialog: the tags of the selected monitors — tick to add, untick to take off, type new
ones; a tag's colour, name or existence changes on every monitor at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.monitors import MonitorsController, MonitorView
from desktop.errors import UpwatchError
from desktop.ui.bulk import label
from desktop.ui.monitor_form import ERROR_STYLE
from desktop.ui.tag_chips import swatch
from desktop.ui.tasks import spawn
from shared.tags import Tag, has_tag, parse_tag_names, tag_key


class TagDialog(QDialog):
    """Tags for one monitor or many; OK applies the ticks and the new names in one change."""

    def __init__(
        self,
        controller: MonitorsController,
        views: Sequence[MonitorView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._ids = [view.spec.id for view in views]
        self.setWindowTitle(f"Tags of {label(views)}")
        self.setMinimumWidth(420)
        self.boxes: dict[str, QCheckBox] = {}
        self._had: dict[str, Qt.CheckState] = {}
        self._grid = QGridLayout()
        self.new_tags = QLineEdit(placeholderText="New tags, separated by commas")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(lambda: spawn(self.apply()))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self._grid)
        layout.addWidget(self.new_tags)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fill()

    def _views(self) -> list[MonitorView]:
        rows = self._controller.rows
        indexes = (self._controller.row_of(monitor_id) for monitor_id in self._ids)
        return [rows[i] for i in indexes if i is not None]

    def _fill(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.boxes, self._had = {}, {}
        views = self._views()
        known = self._controller.known_tags()
        if not known:
            self._grid.addWidget(QLabel("No tags yet: type the first ones below."), 0, 0)
        for row, tag in enumerate(known):
            self._add_row(row, tag, sum(has_tag(v.spec.tags, tag["name"]) for v in views), views)

    def _add_row(self, row: int, tag: Tag, carrying: int, views: Sequence[MonitorView]) -> None:
        box = QCheckBox(tag["name"])
        box.setIcon(swatch(tag["color"]))
        if 0 < carrying < len(views):
            box.setTristate(True)  # some of them carry it: leaving it so changes nothing
            state = Qt.CheckState.PartiallyChecked
        else:
            state = Qt.CheckState.Checked if carrying else Qt.CheckState.Unchecked
        box.setCheckState(state)
        key = tag_key(tag["name"])
        self.boxes[key], self._had[key] = box, state
        colour = _button("Colour…", "Its colour on every monitor", lambda: self._pick_colour(tag))
        rename = _button("Rename…", "Its name on every monitor", lambda: self._ask_rename(tag))
        remove = _button("Delete", "Take it off every monitor", lambda: self._ask_remove(tag))
        for column, widget in enumerate((box, colour, rename, remove)):
            self._grid.addWidget(widget, row, column)

    def changes(self) -> tuple[list[str], list[str]]:
        """The tags to add and to take off, as the boxes and the new-tags field say."""
        add, take_off = [], []
        for key, was in self._had.items():
            box = self.boxes[key]
            now = box.checkState()
            if now != was and now == Qt.CheckState.Checked:
                add.append(box.text())
            elif now != was and now == Qt.CheckState.Unchecked:
                take_off.append(box.text())
        typed = parse_tag_names(self.new_tags.text())
        wanted = {tag_key(name): name for name in reversed([*add, *typed])}  # first one wins
        return list(reversed(wanted.values())), take_off

    async def apply(self) -> None:
        """Add and take off the tags on every monitor of the dialog; close, or say why not."""
        add, take_off = self.changes()
        if not await self._run(self._controller.retag(self._ids, add, take_off)):
            return
        self.accept()

    async def recolour(self, tag: Tag, colour: str) -> None:
        """Give a tag another colour on every monitor."""
        if await self._run(self._controller.recolour_tag(tag["name"], colour)):
            self._fill()

    async def rename(self, tag: Tag, new_name: str) -> None:
        """Rename a tag on every monitor."""
        if await self._run(self._controller.rename_tag(tag["name"], new_name)):
            self._fill()

    async def remove(self, tag: Tag) -> None:
        """Take a tag off every monitor."""
        if await self._run(self._controller.remove_tag(tag["name"])):
            self._fill()

    async def _run(self, action: Awaitable[object]) -> bool:
        self.buttons.setEnabled(False)
        try:
            await action
        except UpwatchError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return False
        finally:
            self.buttons.setEnabled(True)
        self.error.hide()
        return True

    def _pick_colour(self, tag: Tag) -> None:
        colour = QColorDialog.getColor(QColor(tag["color"]), self, f"Colour of {tag['name']}")
        if colour.isValid():
            spawn(self.recolour(tag, colour.name()))

    def _ask_rename(self, tag: Tag) -> None:
        name, ok = QInputDialog.getText(self, "Rename tag", "New name:", text=tag["name"])
        if ok and name.strip():
            spawn(self.rename(tag, name.strip()))

    def _ask_remove(self, tag: Tag) -> None:
        answer = QMessageBox.question(
            self, "Delete tag", f"Take the tag “{tag['name']}” off every monitor?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            spawn(self.remove(tag))


def _button(text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
