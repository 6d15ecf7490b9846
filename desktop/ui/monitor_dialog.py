"""MonitorDialog: add or edit a monitor, with inline validation and "Test now"."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.channels import ChannelsController
from desktop.controllers.monitors import MonitorsController
from desktop.errors import InvalidInput, UpwatchError
from desktop.services.checks import probe_once
from desktop.services.validation import make_spec
from desktop.ui.icons import COLOURS
from desktop.ui.tasks import spawn
from shared.monitor import (
    DEFAULT_TIMEOUT_S,
    METHODS,
    MonitorSpec,
    field_bounds,
    field_default,
)
from shared.status import Status

# Number boxes take any number a person types: a value out of the spec's range is kept as
# typed and marked at its field (blocking Save), never snapped to another value.
_TYPED_MAX = 2**31 - 1


def _spin(name: str, *, suffix: str = "", off: str | None = None) -> QSpinBox:
    """A spin box with the spec's default; off: an optional rule, 0 shows this."""
    box = QSpinBox(minimum=0, maximum=_TYPED_MAX, suffix=suffix)
    if off:
        box.setSpecialValueText(off)
    box.setValue(field_default(name) or 0)
    return box


def with_scheme(typed: str) -> str:
    """Return typed with https:// in front when it is a bare host name or address
    ("example.com/health"); anything with a scheme, or empty, as it is."""
    text = typed.strip()
    if not text or "://" in text or text.startswith("/") or " " in text:
        return typed
    host = text.split("/", 1)[0]
    return f"https://{text}" if "." in host or host.startswith("[") or ":" in host else typed


def range_error(name: str, value: float, unit: str, *, off: bool) -> str | None:
    """Return why value is out of MonitorSpec's range for field name (None when it is in
    range, or 0 where 0 switches the rule off)."""
    if off and value == 0:
        return None
    low, high = field_bounds(name)
    exclusive_low = name == "timeout"  # more than 0 s
    if (value > low if exclusive_low else value >= low) and value <= high:
        return None
    lowest = "more than 0" if exclusive_low else f"{low:g}{unit} or more"
    return f"{lowest}, at most {high:g}{unit}"


def _section(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


class MonitorDialog(QDialog):
    """The add/edit form. Save stores through the controller; errors are shown inline."""

    def __init__(
        self,
        controller: MonitorsController,
        spec: MonitorSpec | None = None,
        *,
        channels: ChannelsController | None = None,
        cloud: bool = False,
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
        self._build()
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

    def _build(self) -> None:
        self.url = QLineEdit(placeholderText="https://example.com/health")
        self.name = QLineEdit(placeholderText="defaults to the host name")
        self.interval = _spin("interval", suffix=" s")
        # a timeout under a second is allowed but rarely meant: the form starts at 1 s
        self.timeout = QDoubleSpinBox(minimum=0, maximum=_TYPED_MAX, decimals=1, suffix=" s")
        self.timeout.setValue(field_default("timeout"))
        self.method = QComboBox()
        self.method.addItems(list(METHODS))
        self.method.setCurrentText(field_default("method"))
        self.expected = QLineEdit(field_default("expected_status"), placeholderText="200-299,301")
        self.keyword = QLineEdit(placeholderText="text the page must contain (optional)")
        self.keyword_absent = QCheckBox("alert when the text IS found instead")
        self.keyword_absent.setChecked(field_default("keyword_absent"))
        self.degraded = _spin("degraded_after_ms", suffix=" ms", off="off")
        self.confirmations = _spin("confirmations")
        self.reminder = _spin("reminder_minutes", suffix=" min", off="never")
        self.follow = QCheckBox("follow redirects (up to 10)")
        self.follow.setChecked(field_default("follow_redirects"))
        self.verify = QCheckBox("reject invalid TLS certificates")
        self.verify.setChecked(field_default("verify_tls"))
        self.headers = QPlainTextEdit(
            placeholderText="Authorization: Bearer …\nAccept: application/json"
        )
        self.headers.setFixedHeight(60)
        self.body = QPlainTextEdit(placeholderText="request body (POST, PUT, PATCH)")
        self.body.setFixedHeight(50)

        form = QFormLayout()
        form.addRow("URL", self.url)
        form.addRow("Name", self.name)
        self._numbers: dict[str, tuple[QAbstractSpinBox, str, str, QLabel]] = {}
        form.addRow("Check every", self._number("interval", self.interval, "Check every", " s"))
        form.addRow(_section("What counts as up"))
        form.addRow("Expected status", self.expected)
        form.addRow("Keyword", self.keyword)
        form.addRow("", self.keyword_absent)
        form.addRow(
            "Degraded when slower than",
            self._number("degraded_after_ms", self.degraded, "Degraded when slower than", " ms"),
        )
        form.addRow(_section("Request"))
        form.addRow("Method", self.method)
        form.addRow("Timeout", self._number("timeout", self.timeout, "Timeout", " s"))
        form.addRow("Headers", self.headers)
        form.addRow("Body", self.body)
        form.addRow("", self.follow)
        form.addRow("", self.verify)
        form.addRow(_section("Alerts"))
        form.addRow(
            "Failures before alerting",
            self._number("confirmations", self.confirmations, "Failures before alerting", ""),
        )
        form.addRow(
            "Remind while down every",
            self._number("reminder_minutes", self.reminder, "Remind while down every", " min"),
        )
        if self._channels is not None and self._channels.channels:
            boxes = QVBoxLayout()
            for info in self._channels.channels:
                box = QCheckBox(f"{info.name} ({info.kind})")
                box.setChecked(info.is_default and self._spec is None)
                self.channel_boxes[info.id] = box
                boxes.addWidget(box)
            form.addRow("Send alerts to", boxes)
            if self._spec is not None:
                spawn(self._check_linked_channels(self._spec.id))

        self.cloud = QCheckBox("Also check it from Upwatch Cloud, 24/7 (paid plans)")
        self.cloud.setChecked(self._cloud)
        self.cloud.setToolTip(
            "Signed in on a paid plan, the cloud checks this monitor while this computer sleeps"
            " and sends the alerts of the channels it has; this computer still shows its own"
            " notifications."
        )
        form.addRow("", self.cloud)

        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(f"color: {COLOURS[Status.DOWN]};")
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
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)

    def _number(self, name: str, box: QAbstractSpinBox, label: str, unit: str) -> QWidget:
        """The box with the note that says, beside it, when its value is out of range."""
        note = QLabel()
        note.setStyleSheet(f"color: {COLOURS[Status.DOWN]};")
        note.setVisible(False)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(box)
        line.addWidget(note, 1)
        self._numbers[name] = (box, label, unit, note)
        return row

    def range_errors(self) -> list[str]:
        """Mark each number out of range at its field; return "Label: allowed" for each."""
        errors = []
        for name, (box, label, unit, note) in self._numbers.items():
            value = box.value()  # type: ignore[attr-defined]
            off = bool(box.specialValueText())
            problem = range_error(name, value, unit, off=off)
            note.setText(problem or "")
            note.setVisible(problem is not None)
            box.setStyleSheet(f"border: 1px solid {COLOURS[Status.DOWN]};" if problem else "")
            box.setToolTip(f"{label}: {problem}" if problem else "")
            if problem:
                errors.append(f"{label}: {problem}")
        return errors

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

    def _inputs(self) -> list[QWidget]:
        return [
            self.url, self.name, self.interval, self.timeout, self.method, self.expected,
            self.keyword, self.keyword_absent, self.degraded, self.confirmations, self.reminder,
            self.follow, self.verify, self.headers, self.body,
        ]  # fmt: skip

    def _fill(self, spec: MonitorSpec) -> None:
        self.url.setText(spec.url)
        self.name.setText(spec.name)
        self.interval.setValue(spec.interval)
        self.timeout.setValue(spec.timeout)
        self.method.setCurrentText(spec.method)
        self.expected.setText(spec.expected_status)
        self.keyword.setText(spec.keyword or "")
        self.keyword_absent.setChecked(spec.keyword_absent)
        self.degraded.setValue(spec.degraded_after_ms or 0)
        self.confirmations.setValue(spec.confirmations)
        self.reminder.setValue(spec.reminder_minutes or 0)
        self.follow.setChecked(spec.follow_redirects)
        self.verify.setChecked(spec.verify_tls)
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in spec.headers.items()))
        self.body.setPlainText(spec.body or "")

    # -- behaviour ----------------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """Return the monitor fields the form holds; raise InvalidInput for bad headers."""
        headers: dict[str, str] = {}
        for line in self.headers.toPlainText().splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise InvalidInput(f"headers: {line.strip()!r} must look like Name: value")
            headers[name.strip()] = value.strip()
        fields: dict[str, Any] = {
            "url": self.url.text(),
            "name": self.name.text().strip() or None,
            "interval": self.interval.value(),
            "timeout": self.timeout.value(),
            "method": self.method.currentText(),
            "expected_status": self.expected.text(),
            "keyword": self.keyword.text() or None,
            "keyword_absent": self.keyword_absent.isChecked(),
            "degraded_after_ms": self.degraded.value() or None,
            "confirmations": self.confirmations.value(),
            "reminder_minutes": self.reminder.value() or None,
            "follow_redirects": self.follow.isChecked(),
            "verify_tls": self.verify.isChecked(),
            "headers": headers,
            "body": self.body.toPlainText() or None,
        }
        if fields["name"] is None:
            del fields["name"]
        return fields

    def _spec_or_error(self) -> tuple[MonitorSpec | None, str | None]:
        out_of_range = self.range_errors()
        if out_of_range:
            return None, "; ".join(out_of_range)
        try:
            fields = self.fields()
            if self._spec is not None:
                fields = {**self._spec.model_dump(), **fields}
            return make_spec(fields), None
        except InvalidInput as exc:
            return None, exc.message

    def validate(self) -> bool:
        """Show what is wrong under the form; enable Save only when the monitor is valid."""
        spec, error = self._spec_or_error()
        empty = not self.url.text().strip()
        self.error.setText("" if empty else (error or ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(spec is not None)
        self.test_button.setEnabled(spec is not None)
        return spec is not None

    async def test_now(self) -> None:
        """Run one check with the form's settings and show the outcome."""
        spec, error = self._spec_or_error()
        if spec is None:
            self.test_result.setText(error or "")
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
