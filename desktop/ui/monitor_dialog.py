"""MonitorDialog: add or edit a monitor, with inline validation and "Test now"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.channels import ChannelsController
from desktop.controllers.monitors import MonitorsController
from desktop.errors import InvalidInput, UpwatchError
from desktop.services.checks import probe_once
from desktop.services.validation import spec_or_problems
from desktop.ui.icons import COLOURS
from desktop.ui.monitor_form import ERROR_STYLE, MonitorForm, with_scheme
from desktop.ui.tasks import spawn
from shared.monitor import DEFAULT_TIMEOUT_S, MonitorSpec
from shared.tags import Tag


class MonitorDialog(MonitorForm):
    """The add/edit form. Save stores through the controller; errors are shown at their field."""

    def __init__(
        self,
        controller: MonitorsController,
        spec: MonitorSpec | None = None,
        *,
        channels: ChannelsController | None = None,
        cloud: bool = False,
        known_tags: Sequence[Tag] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._channels = channels
        self._spec = spec
        self._cloud = cloud
        self.channel_boxes: dict[str, QCheckBox] = {}
        self.saved: MonitorSpec | None = None
        self.setWindowTitle("Edit monitor" if spec else "Add monitor")
        self.setMinimumWidth(520)
        self._build(known_tags)
        if spec is not None:
            self._fill(spec)
        # the timeout follows a shorter interval, on screen, until the user sets it
        self._timeout_follows = spec is None or spec.timeout == min(
            DEFAULT_TIMEOUT_S, spec.interval
        )
        self.timeout.editingFinished.connect(self._timeout_set)
        self.url.editingFinished.connect(self._complete_url)
        self.interval.valueChanged.connect(self._interval_changed)
        self._validate_soon = QTimer(self, singleShot=True, interval=250)
        self._validate_soon.timeout.connect(self.validate)
        for widget in self._inputs():
            signal = getattr(widget, "textChanged", None) or getattr(widget, "valueChanged", None)
            signal = signal or getattr(widget, "toggled", None)
            signal = signal or getattr(widget, "currentTextChanged", None)
            if signal is not None:
                signal.connect(lambda *_: self._validate_soon.start())
        self.validate()

    # -- layout -------------------------------------------------------------------------------

    def _build(self, known_tags: Sequence[Tag]) -> None:
        sections = self._build_form(known_tags)
        if self._channels is not None and self._channels.channels:
            boxes = QVBoxLayout()
            for info in self._channels.channels:
                box = QCheckBox(f"{info.name} ({info.kind})")
                box.setChecked(info.is_default and self._spec is None)
                self.channel_boxes[info.id] = box
                boxes.addWidget(box)
            self.alerts_section.form.addRow("Send alerts to", boxes)
            if self._spec is not None:
                spawn(self._check_linked_channels(self._spec.id))

        self.cloud = QCheckBox("Also check it from Upwatch Cloud, 24/7 (paid plans)")
        self.cloud.setChecked(self._cloud)
        self.cloud.setToolTip(
            "Signed in on a paid plan, the cloud checks this monitor while this computer sleeps"
            " and sends the alerts of the channels it has; this computer still shows its own"
            " notifications."
        )
        self.alerts_section.form.addRow("", self.cloud)

        self.error = QLabel(wordWrap=True)  # every problem in one line, under the form
        self.error.setStyleSheet(ERROR_STYLE)
        self.test_result = QLabel("Try the settings before saving with “Test now”.", wordWrap=True)
        self.test_button = QPushButton("Test now")
        self.test_button.clicked.connect(lambda: spawn(self.test_now()))
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(lambda: spawn(self.save()))
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(sections)
        layout.addWidget(self.error)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)

    def _complete_url(self) -> None:
        # "example.com" means https://example.com: said in the field itself, before Save
        completed = with_scheme(self.url.text())
        if completed != self.url.text():
            self.url.setText(completed)

    def _timeout_set(self) -> None:
        self._timeout_follows = False

    def _interval_changed(self, interval: int) -> None:
        if self._timeout_follows and interval > 0:
            self.timeout.setValue(min(DEFAULT_TIMEOUT_S, float(interval)))

    def _problems(self) -> tuple[MonitorSpec | None, dict[str, str]]:
        """The monitor the form describes, or None and each field's problem."""
        problems: dict[str, str] = {}
        try:
            fields = self.fields()
        except InvalidInput as exc:
            problems["headers"] = exc.message.removeprefix("headers: ")
            fields = self.fields(headers={})
        if self._spec is not None:
            fields = {**self._spec.model_dump(), **fields}
        spec, found = spec_or_problems(fields)
        problems = {**found, **problems, **self.range_errors()}
        return (None if problems else spec), problems

    def _summary(self, problems: dict[str, str]) -> str:
        lines = []
        for name, problem in problems.items():
            label = self.labels.get(name)
            shown = problem if name in self._numbers or label is None else f"{label}: {problem}"
            lines.append(shown)
        return "; ".join(lines)

    def validate(self) -> bool:
        """Show each problem beside its field (and all of them under the form); enable Save
        only when the monitor is valid."""
        spec, problems = self._problems()
        if not self.url.text().strip():  # a form not yet filled in is not told off
            problems = {name: p for name, p in problems.items() if name in self._numbers}
        self.show_field_errors(problems)
        self.error.setText(self._summary(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(spec is not None)
        self.test_button.setEnabled(spec is not None)
        return spec is not None

    async def test_now(self) -> None:
        """Run one check with the form's settings and show the outcome."""
        spec, problems = self._problems()
        if spec is None:
            self.test_result.setText(self._summary(problems))
            return
        self.test_button.setEnabled(False)
        self.test_result.setText("Checking…")
        try:
            [result] = await probe_once([spec])
        finally:
            self.test_button.setEnabled(True)
        code = f"HTTP {result.status_code}" if result.status_code else ""
        took = f" in {result.response_time_ms} ms" if result.response_time_ms is not None else ""
        detail = result.error or code
        colour = COLOURS[result.status]
        self.test_result.setText(
            f'<span style="color:{colour}">●</span> <b>{result.status.value.capitalize()}</b>'
            f" — {detail}{took}"
        )

    async def _check_linked_channels(self, monitor_id: uuid.UUID) -> None:
        assert self._channels is not None
        linked = await self._channels.ids_for_monitor(monitor_id)
        for channel_id, box in self.channel_boxes.items():
            box.setChecked(channel_id in linked)

    async def save(self) -> None:
        """Store the monitor and close, or show why it cannot be saved."""
        if not self.validate():
            return
        try:
            if self._spec is None:
                self.saved = await self._controller.add(self.fields())
            else:
                self.saved = await self._controller.edit(self._spec.id, self.fields())
            if self._channels is not None and self.channel_boxes:
                chosen = {cid for cid, box in self.channel_boxes.items() if box.isChecked()}
                await self._channels.set_for_monitor(self.saved.id, chosen)
            if self.cloud.isChecked() != self._cloud:
                await self._controller.set_cloud(self.saved.id, self.cloud.isChecked())
        except UpwatchError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
