"""ChannelDialog: add an alert channel, with fields for the five common kinds or any Apprise URL."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
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
from shared.status import Status

KIND_NAMES: dict[ChannelKind, str] = {
    "email": "Email",
    "slack": "Slack",
    "telegram": "Telegram",
    "discord": "Discord",
    "webhook": "Webhook (JSON)",
    "apprise": "Other (Apprise URL)",
}
SECRET_FIELDS = {"smtp", "bot_token", "webhook_url", "url"}


class ChannelDialog(QDialog):
    """Name, kind and the kind's fields; Save stores through the controller."""

    def __init__(self, controller: ChannelsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.saved: ChannelInfo | None = None
        self.setWindowTitle("Add alert channel")
        self.setMinimumWidth(520)
        self.name = QLineEdit(placeholderText="e.g. Team Slack")
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_NAMES[kind], kind)
        self.pages = QStackedWidget()
        self.inputs: dict[ChannelKind, dict[str, QLineEdit]] = {}
        for kind in KINDS:
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            self.inputs[kind] = {}
            for field, label in FIELDS[kind]:
                edit = QLineEdit()
                if field in SECRET_FIELDS:
                    edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
                form.addRow(label, edit)
                self.inputs[kind][field] = edit
            self.pages.addWidget(page)
        self.kind.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.all_monitors = QCheckBox("Alert for every monitor, including new ones")
        self.all_monitors.setChecked(True)
        note = QLabel(
            "Tokens and passwords are kept in your system keyring, not in Upwatch's files."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #6b7280;")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(f"color: {COLOURS[Status.DOWN]};")
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
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    @property
    def current_kind(self) -> ChannelKind:
        """The kind chosen in the combo box."""
        kind: ChannelKind = self.kind.currentData()
        return kind

    async def save(self) -> None:
        """Create the channel, or show why not."""
        kind = self.current_kind
        fields = {name: edit.text() for name, edit in self.inputs[kind].items()}
        try:
            self.saved = await self._controller.add(self.name.text(), kind, fields)
        except UpwatchError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
