"""ListBar: above the monitor list — the filter box, the tag box and "Group by tag"."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

from desktop.controllers.summary import UNTAGGED
from desktop.ui.monitor_table import SETTINGS_APP, SETTINGS_ORG
from desktop.ui.table_model import MonitorTableModel
from desktop.ui.tag_chips import swatch
from shared.tags import Tag, tag_key

GROUPED_KEY = "monitor-list/grouped"
ALL_TAGS = "All tags"


class ListBar(QWidget):
    """Narrows and groups the list; every change goes straight to the model."""

    def __init__(
        self,
        model: MonitorTableModel,
        known_tags: Callable[[], Sequence[Tag]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._known_tags = known_tags
        self._shown_tags: list[str | None] = []
        self.filter = QLineEdit(placeholderText="Filter by name, URL, status or tag:name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(model.set_filter)
        self.tag_box = QComboBox()
        self.tag_box.setToolTip("Show only the monitors with this tag")
        self.tag_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.tag_box.currentIndexChanged.connect(self._tag_chosen)
        self.group_box = QCheckBox("Group by tag")
        self.group_box.setToolTip("One heading per tag; a click on a heading folds it")
        self.group_box.setChecked(QSettings(SETTINGS_ORG, SETTINGS_APP).value(GROUPED_KEY) == "1")
        self.group_box.toggled.connect(self._group_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter, 1)
        layout.addWidget(self.tag_box)
        layout.addWidget(self.group_box)
        self.refresh_tags()

    def refresh_tags(self) -> None:
        """Offer the tags the monitors carry now, keeping the one chosen if it still exists."""
        tags = list(self._known_tags())
        keys: list[str | None] = [None, *(tag_key(tag["name"]) for tag in tags), ""]
        if keys == self._shown_tags:
            return
        chosen = self._model.tag
        self.tag_box.blockSignals(True)
        self.tag_box.clear()
        self.tag_box.addItem(ALL_TAGS)
        for tag in tags:
            self.tag_box.addItem(swatch(tag["color"]), tag["name"])
        self.tag_box.addItem(UNTAGGED)
        self._shown_tags = keys
        self.tag_box.setCurrentIndex(keys.index(chosen) if chosen in keys else 0)
        self.tag_box.blockSignals(False)
        self.tag_box.setVisible(bool(tags))
        self.group_box.setVisible(bool(tags))
        # with no tag at all, one "No tag" heading over everything would only be in the way
        self._model.set_grouped(self.group_box.isChecked() and bool(tags))
        if chosen not in keys:
            self._model.set_tag(None)

    def choose_tag(self, key: str | None) -> None:
        """Show only the monitors with the tag of this key ("" for none), or all of them."""
        if key in self._shown_tags:
            self.tag_box.setCurrentIndex(self._shown_tags.index(key))

    def _tag_chosen(self, index: int) -> None:
        if 0 <= index < len(self._shown_tags):
            self._model.set_tag(self._shown_tags[index])

    def _group_toggled(self, grouped: bool) -> None:
        QSettings(SETTINGS_ORG, SETTINGS_APP).setValue(GROUPED_KEY, "1" if grouped else "0")
        self._model.set_grouped(grouped and len(self._shown_tags) > 2)
