"""SettingsPage: desktop notifications, start at login, history kept, check concurrency."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from desktop.controllers.settings import SettingsController
from desktop.errors import UpwatchError
from desktop.ui.icons import COLOURS
from desktop.ui.tasks import spawn
from shared.status import Status


class SettingsPage(QWidget):
    """Each control saves as soon as it changes."""

    def __init__(self, controller: SettingsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._filling = False
        self.notifications = QCheckBox("Show desktop notifications when a monitor flips")
        self.login = QCheckBox("Start Upwatch when I log in")
        self.retention = QSpinBox(minimum=1, maximum=3650, suffix=" days")
        self.concurrency = QSpinBox(minimum=1, maximum=1000)
        self.concurrency.setToolTip("How many checks may run at the same moment")
        self.message = QLabel(wordWrap=True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.notifications)
        form.addRow(self.login)
        form.addRow("Keep every check for", self.retention)
        form.addRow("", QLabel("Hourly and daily summaries are kept for 2 years either way."))
        form.addRow("Checks at once", self.concurrency)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.notifications.toggled.connect(
            lambda on: self._save(self._controller.change(desktop_notifications=on))
        )
        self.login.toggled.connect(lambda on: self._save(self._controller.set_start_at_login(on)))
        self.retention.editingFinished.connect(
            lambda: self._save(self._controller.change(raw_retention_days=self.retention.value()))
        )
        self.concurrency.editingFinished.connect(
            lambda: self._save(self._controller.change(concurrency=self.concurrency.value()))
        )
        controller.settings_changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        """Show the controller's values without triggering saves."""
        self._filling = True
        settings = self._controller.settings
        self.notifications.setChecked(settings.desktop_notifications)
        self.login.setChecked(self._controller.start_at_login)
        self.retention.setValue(settings.raw_retention_days)
        self.concurrency.setValue(settings.concurrency)
        self._filling = False

    def _save(self, change: Coroutine[Any, Any, None]) -> None:
        if self._filling:
            change.close()  # a value we set ourselves: nothing to store
            return
        spawn(self._apply(change))

    async def _apply(self, change: Coroutine[Any, Any, None]) -> None:
        try:
            await change
        except UpwatchError as exc:
            self.message.setText(f'<span style="color:{COLOURS[Status.DOWN]}">{exc.message}</span>')
            self.fill()
            return
        self.message.setText("Saved.")
