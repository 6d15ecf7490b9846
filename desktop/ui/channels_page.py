"""ChannelsPage: the alert channels, with Add, Edit, Send test and Remove."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.channels import ChannelsController
from desktop.errors import UpwatchError
from desktop.ui.channel_dialog import KIND_NAMES, ChannelDialog
from desktop.ui.icons import COLOURS, dot_icon
from desktop.ui.tasks import spawn
from shared.status import Status


class ChannelsPage(QWidget):
    """Lists channels from the controller; every action goes through it."""

    def __init__(self, controller: ChannelsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        intro = QLabel(
            "Where alerts go when a monitor goes down or recovers: email, Slack, Telegram, "
            "Discord, a webhook, or any of Apprise's 100+ services."
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Name", "Kind", "Monitors", "Health", "Sent by", "Target"])
        self.tree.setRootIsDecorated(False)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda _item, _column: self.edit_selected())
        self.add_button = QPushButton("Add channel…")
        self.edit_button = QPushButton("Edit…")
        self.test_button = QPushButton("Send test")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.add_channel)
        self.edit_button.clicked.connect(self.edit_selected)
        self.test_button.clicked.connect(lambda: spawn(self.send_test()))
        self.remove_button.clicked.connect(self.remove_selected)
        self.result = QLabel(wordWrap=True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.test_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.tree)
        layout.addWidget(self.result)
        controller.channels_changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        """Show the controller's channels."""
        self.tree.clear()
        for info in self._controller.channels:
            health = "ok" if not info.failures else f"failing: {info.last_error}"
            kind = KIND_NAMES.get(info.kind, info.kind)  # type: ignore[call-overload]
            monitors = "all" if info.is_default else str(info.monitors)
            item = QTreeWidgetItem(
                [info.name, kind, monitors, health, info.sends_from, info.target]
            )
            item.setIcon(3, dot_icon(Status.DOWN if info.failures else Status.UP))
            item.setData(0, 256, info.id)
            self.tree.addTopLevelItem(item)
        if not self._controller.channels:
            empty = QTreeWidgetItem(["No channels yet: alerts show as desktop notifications only."])
            empty.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(empty)
        for column in range(self.tree.columnCount() - 1):
            self.tree.resizeColumnToContents(column)
        self._update_buttons()

    def selected_id(self) -> str | None:
        """The id of the selected channel."""
        items = self.tree.selectedItems()
        value = items[0].data(0, 256) if items else None
        return str(value) if value else None

    def _update_buttons(self) -> None:
        chosen = self.selected_id() is not None
        for button in (self.edit_button, self.test_button, self.remove_button):
            button.setEnabled(chosen)

    def add_channel(self) -> ChannelDialog:
        """Open the add dialog; return it."""
        return self._open(ChannelDialog(self._controller, parent=self))

    def edit_selected(self) -> ChannelDialog | None:
        """Open the edit dialog of the selected channel; return it (None without one)."""
        channel_id = self.selected_id()
        info = next((c for c in self._controller.channels if c.id == channel_id), None)
        if info is None:
            return None
        return self._open(ChannelDialog(self._controller, parent=self, channel=info))

    def _open(self, dialog: ChannelDialog) -> ChannelDialog:
        spawn(dialog.load())
        dialog.open()
        return dialog

    async def send_test(self) -> None:
        """Send a test message through the selected channel and show the outcome."""
        channel_id = self.selected_id()
        if channel_id is None:
            return
        self.result.setText("Sending…")
        try:
            error = await self._controller.send_test(channel_id)
        except UpwatchError as exc:
            error = exc.message
        if error is None:
            self.result.setText(f'<span style="color:{COLOURS[Status.UP]}">●</span> Test sent.')
        else:
            self.result.setText(f'<span style="color:{COLOURS[Status.DOWN]}">●</span> {error}')

    def remove_selected(self) -> None:
        """Remove the selected channel after confirmation."""
        channel_id = self.selected_id()
        if channel_id is None:
            return
        answer = QMessageBox.question(self, "Remove channel", "Remove this alert channel?")
        if answer == QMessageBox.StandardButton.Yes:
            spawn(self._controller.remove(channel_id))
