"""MonitorForm: the fields of the monitor dialog, in sections, each with its own error note.

Basics (URL, name, interval, tags) are always shown; "What counts as up", "Request" and
"Alerts" fold away, so the form is short by default, and open by themselves when one of
their fields has a problem or, when editing, holds a value of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import InvalidInput
from desktop.ui.icons import COLOURS
from shared.monitor import METHODS, MonitorSpec, field_bounds, field_default
from shared.status import Status
from shared.tags import Tag, default_colour, parse_tag_names, tag_key

# Number boxes take any number a person types: a value out of the spec's range is kept as
# typed and marked at its field (blocking Save), never snapped to another value.
_TYPED_MAX = 2**31 - 1
ERROR_STYLE = f"color: {COLOURS[Status.DOWN]};"


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


class Section(QWidget):
    """A titled part of the form that folds away with a click on its title."""

    def __init__(self, title: str, *, expanded: bool) -> None:
        super().__init__()
        self.toggle = QToolButton()
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setStyleSheet("QToolButton { font-weight: bold; border: none; }")
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(16, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._show)
        self.toggle.setChecked(expanded)
        self._show(expanded)

    def _show(self, expanded: bool) -> None:
        arrow = Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        self.toggle.setArrowType(arrow)
        self.body.setVisible(expanded)

    @property
    def expanded(self) -> bool:
        """True while its fields are on screen."""
        return self.toggle.isChecked()

    def expand(self) -> None:
        """Show its fields."""
        self.toggle.setChecked(True)


class MonitorForm(QDialog):
    """The form's widgets, their sections and notes, read into and out of spec fields."""

    def _build_form(self, known_tags: Sequence[Tag]) -> QVBoxLayout:
        """Make the fields; return the layout that holds the sections."""
        self._tag_colours = {tag_key(t["name"]): t["color"] for t in known_tags}
        self.notes: dict[str, QLabel] = {}
        self.labels: dict[str, str] = {}
        self._section_of: dict[str, Section] = {}
        self._numbers: dict[str, tuple[QAbstractSpinBox, str, str, QLabel]] = {}
        self.url = QLineEdit(placeholderText="https://example.com/health")
        self.name = QLineEdit(placeholderText="defaults to the host name")
        self.interval = _spin("interval", suffix=" s")
        self.tags = QLineEdit(placeholderText="e.g. prod, shop (optional)")
        self.tags.setToolTip("Tags group monitors in the list and the tray menu")
        completer = QCompleter(sorted({t["name"] for t in known_tags}, key=tag_key), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setWidget(self.tags)
        completer.activated.connect(self._complete_tag)
        self.tags.textEdited.connect(lambda _: self._offer_tags(completer))
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

        basics = Section("Monitor", expanded=True)
        basics.toggle.hide()  # always shown: a monitor needs no more than these
        self._row(basics, "url", "URL", self.url)
        self._row(basics, "name", "Name", self.name)
        self._number(basics, "interval", self.interval, "Check every", " s")
        self._row(basics, "tags", "Tags", self.tags)
        self.up_section = up = Section("What counts as up", expanded=False)
        self._row(up, "expected_status", "Expected status", self.expected)
        self._row(up, "keyword", "Keyword", self.keyword)
        up.form.addRow("", self.keyword_absent)
        self._number(up, "degraded_after_ms", self.degraded, "Degraded when slower than", " ms")
        self.request_section = request = Section("Request", expanded=False)
        self._row(request, "method", "Method", self.method)
        self._number(request, "timeout", self.timeout, "Timeout", " s")
        self._row(request, "headers", "Headers", self.headers)
        self._row(request, "body", "Body", self.body)
        request.form.addRow("", self.follow)
        request.form.addRow("", self.verify)
        self.alerts_section = alerts = Section("Alerts", expanded=False)
        self._number(alerts, "confirmations", self.confirmations, "Failures before alerting", "")
        self._number(alerts, "reminder_minutes", self.reminder, "Remind while down every", " min")
        sections = QVBoxLayout()
        for section in (basics, up, request, alerts):
            sections.addWidget(section)
        return sections

    def _note(self, name: str, section: Section, label: str) -> QLabel:
        note = QLabel(wordWrap=True)
        note.setStyleSheet(ERROR_STYLE)
        note.setVisible(False)
        self.notes[name] = note
        self.labels[name] = label
        self._section_of[name] = section
        return note

    def _row(self, section: Section, name: str, label: str, widget: QWidget) -> None:
        """Add a field with its note under it."""
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(self._note(name, section, label))
        section.form.addRow(label, cell)

    def _number(
        self, section: Section, name: str, box: QAbstractSpinBox, label: str, unit: str
    ) -> None:
        """Add a number box with the note that says, beside it, when it is out of range."""
        note = self._note(name, section, label)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(box)
        line.addWidget(note, 1)
        self._numbers[name] = (box, label, unit, note)
        section.form.addRow(label, row)

    def range_errors(self) -> dict[str, str]:
        """Each number out of range: field name -> "Label: allowed"."""
        errors = {}
        for name, (box, label, unit, _note) in self._numbers.items():
            value = box.value()  # type: ignore[attr-defined]
            problem = range_error(name, value, unit, off=bool(box.specialValueText()))
            if problem:
                errors[name] = f"{label}: {problem}"
        return errors

    def show_field_errors(self, errors: dict[str, str]) -> None:
        """Show each field's problem beside it (clearing the others); open its section."""
        for name, note in self.notes.items():
            problem = errors.get(name)
            if problem and name in self._numbers:
                problem = problem.split(": ", 1)[-1]  # the label is beside it already
            note.setText(problem or "")
            note.setVisible(bool(problem))
            if problem:
                self._section_of[name].expand()
        for name, (box, _label, _unit, _note) in self._numbers.items():
            problem = errors.get(name)
            box.setStyleSheet(f"border: 1px solid {COLOURS[Status.DOWN]};" if problem else "")
            box.setToolTip(problem or "")

    def _offer_tags(self, completer: QCompleter) -> None:
        typed = self.tags.text()[: self.tags.cursorPosition()].rsplit(",", 1)[-1].strip()
        popup = completer.popup()
        if not typed:
            if popup is not None:
                popup.hide()
            return
        completer.setCompletionPrefix(typed)
        completer.complete()

    def _complete_tag(self, name: str) -> None:
        before = self.tags.text()[: self.tags.cursorPosition()]
        head = before.rsplit(",", 1)[0] + ", " if "," in before else ""
        self.tags.setText(f"{head}{name}, ")

    def _inputs(self) -> list[QWidget]:
        return [
            self.url, self.name, self.interval, self.tags, self.timeout, self.method,
            self.expected, self.keyword, self.keyword_absent, self.degraded, self.confirmations,
            self.reminder, self.follow, self.verify, self.headers, self.body,
        ]  # fmt: skip

    def _fill(self, spec: MonitorSpec) -> None:
        self.url.setText(spec.url)
        self.name.setText(spec.name)
        self.interval.setValue(spec.interval)
        self.tags.setText(", ".join(tag["name"] for tag in spec.tags))
        self._tag_colours.update({tag_key(t["name"]): t["color"] for t in spec.tags})
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
        # a section holding a value of this monitor's own is open, so nothing is hidden
        own = {
            self.up_section: ("expected_status", "keyword", "keyword_absent", "degraded_after_ms"),
            self.request_section: (
                "method", "timeout", "headers", "body", "follow_redirects", "verify_tls",
            ),
            self.alerts_section: ("confirmations", "reminder_minutes"),
        }  # fmt: skip
        defaults = MonitorSpec.model_validate({"url": spec.url, "interval": spec.interval})
        for section, names in own.items():
            if any(getattr(spec, n) != getattr(defaults, n) for n in names):
                section.expand()

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for line in self.headers.toPlainText().splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise InvalidInput(f"headers: {line.strip()!r} must look like Name: value")
            headers[name.strip()] = value.strip()
        return headers

    def _tags(self) -> list[dict[str, str]]:
        names = parse_tag_names(self.tags.text())
        return [
            {"name": n, "color": self._tag_colours.get(tag_key(n)) or default_colour(n)}
            for n in names
        ]

    def fields(self, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Return the monitor fields the form holds (with headers instead of the typed ones,
        if given); raise InvalidInput for bad headers."""
        fields: dict[str, Any] = {
            "url": self.url.text(),
            "name": self.name.text().strip() or None,
            "interval": self.interval.value(),
            "tags": self._tags(),
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
            "headers": self._headers() if headers is None else headers,
            "body": self.body.toPlainText() or None,
        }
        if fields["name"] is None:
            del fields["name"]
        return fields
