"""ChannelDialog: add or edit an alert channel: its kind's fields (or any Apprise URL) and
the monitors it alerts for."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.channels import ChannelsController
from desktop.errors import UpwatchError
from desktop.notify.targets import FIELDS, KINDS, ChannelKind
from desktop.services.channels import ChannelInfo
from desktop.ui.icons import COLOURS
from desktop.ui.tasks import spawn
from desktop.ui.theme import mute
from shared.status import Status

log = logging.getLogger(__name__)

KIND_NAMES: dict[ChannelKind, str] = {
    "email": "Email",
    "slack": "Slack",
    "telegram": "Telegram",
    "discord": "Discord",
    "webhook": "Webhook (JSON)",
    "apprise": "Other (Apprise URL)",
}
SECRET_FIELDS = {"smtp", "bot_token", "webhook_url", "url"}
CHOOSE_MONITORS = "Choose at least one monitor, or tick “Alert for every monitor”."


class ChannelDialog(QDialog):
    """Name, kind, the kind's fields and the monitors; Save stores through the controller.

    With `channel` it edits that channel: fields left empty keep its address (the address
    itself stays in the keyring and is never shown). Call load() before showing it.
    """

    def __init__(
        self,
        controller: ChannelsController,
        parent: QWidget | None = None,
        channel: ChannelInfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._channel = channel
        self.saved: ChannelInfo | None = None
        self.error = QLabel(wordWrap=True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {COLOURS[Status.DOWN]};")
        self.setWindowTitle("Edit alert channel" if channel else "Add alert channel")
        self.setMinimumWidth(520)
        self.name = QLineEdit(placeholderText="e.g. Team Slack")
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_NAMES[kind], kind)
        self.pages = QStackedWidget()
        self.inputs: dict[ChannelKind, dict[str, QLineEdit]] = {}
        for kind in KINDS:
            self.pages.addWidget(self._fields_page(kind))
        self.kind.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.kind.currentIndexChanged.connect(lambda _index: self.error.clear())
        self.all_monitors = QCheckBox("Alert for every monitor, including new ones")
        self.all_monitors.setChecked(True)
        self.monitor_list = QListWidget()
        self.monitor_list.setAccessibleName("Monitors this channel alerts for")
        self.monitor_list.setVisible(False)
        self.all_monitors.toggled.connect(lambda every: self.monitor_list.setVisible(not every))
        self.monitor_list.itemChanged.connect(lambda _item: self.error.clear())
        note = QLabel(
            "Tokens and passwords are kept in your system keyring, not in Upwatch's files."
            + (" Leave the fields empty to keep the current address." if channel else "")
        )
        note.setWordWrap(True)
        mute(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(lambda: spawn(self.save()))
        buttons.rejected.connect(self.reject)
        top = QFormLayout()
        top.addRow("Name", self.name)
        top.addRow("Kind", self.kind)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        layout.addWidget(self.all_monitors)
        layout.addWidget(self.monitor_list)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if channel is not None:
            self.name.setText(channel.name)
            known = channel.kind in KINDS
            self.kind.setCurrentIndex(self.kind.findData(channel.kind if known else "apprise"))
        self.name.textEdited.connect(lambda _text: self.error.clear())

    def _fields_page(self, kind: ChannelKind) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.inputs[kind] = {}
        for field, label in FIELDS[kind]:
            edit = QLineEdit()
            if field in SECRET_FIELDS:
                edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
            if self._channel is not None:
                edit.setPlaceholderText("unchanged")
            edit.textEdited.connect(lambda _text: self.error.clear())
            form.addRow(label, edit)
            self.inputs[kind][field] = edit
        return page

    @property
    def current_kind(self) -> ChannelKind:
        """The kind chosen in the combo box."""
        kind: ChannelKind = self.kind.currentData()
        return kind

    async def load(self) -> None:
        """Fill the monitor picker, with the edited channel's monitors ticked."""
        try:
            choices = await self._controller.monitor_choices()
            scope = await self._controller.scope_of(self._channel.id) if self._channel else None
        except UpwatchError as exc:
            self.error.setText(exc.message)
            return
        chosen = set(scope or ())
        self.monitor_list.clear()
        for monitor_id, name in choices:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, monitor_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if monitor_id in chosen else Qt.CheckState.Unchecked
            )
            self.monitor_list.addItem(item)
        self.all_monitors.setChecked(scope is None)
        self.error.clear()

    def chosen_monitors(self) -> list[str] | None:
        """The ids of the monitors ticked, or None for every monitor."""
        if self.all_monitors.isChecked():
            return None
        items = (self.monitor_list.item(row) for row in range(self.monitor_list.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    async def save(self) -> None:
        """Create or change the channel; on any failure show why in full and stay open with
        what was typed."""
        kind = self.current_kind
        fields = {name: edit.text() for name, edit in self.inputs[kind].items()}
        monitors = self.chosen_monitors()
        if monitors == []:
            self.error.setText(CHOOSE_MONITORS)
            return
        try:
            if self._channel is None:
                self.saved = await self._controller.add(self.name.text(), kind, fields, monitors)
            else:
                changed = fields if any(v.strip() for v in fields.values()) else None
                self.saved = await self._controller.update(
                    self._channel.id, self.name.text(), kind, changed, monitors
                )
        except UpwatchError as exc:
            self.error.setText(exc.message)
            return
        except Exception as exc:  # a keyring backend's own error: the user must see it
            log.exception("saving a channel failed")
            self.error.setText(f"The channel was not saved: {type(exc).__name__}: {exc}")
            return
        self.accept()
