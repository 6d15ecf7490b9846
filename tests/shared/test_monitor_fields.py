"""Every layer that holds a monitor agrees with MonitorSpec, the one shared model, field by field.

Adding a field to MonitorSpec: give SAMPLE a value other than its default, then run this
file; each layer that lacks the field fails here by name (the desktop's table and SQLite
migration, the server's table, the worker's claim, the CLI, the tray dialog, the CSV export),
unless it is listed below as deliberately without it, with the reason.
"""

from __future__ import annotations

import sqlite3
import tempfile
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from desktop.cli.main import build_parser
from desktop.cli.options import MONITOR_OPTIONS, monitor_fields
from desktop.services.transfer import CSV_FIELDS, ExportDocument, export_json, parse_document
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository, to_spec
from desktop.storage.tables import MonitorRow
from shared.monitor import MonitorSpec, field_bounds
from shared.sync import MonitorChange, RemoteMonitor
from shared.tags import tag_names
from sync_server.monitors.schemas import MonitorIn, MonitorPublic, spec_fields
from sync_server.monitors.tables import Monitor

SPEC_FIELDS = tuple(MonitorSpec.model_fields)
ONE_KIND = len(get_args(MonitorSpec.model_fields["kind"].annotation)) == 1
WHILE_ONE_KIND = "MonitorSpec has one kind; once it has two, this layer must carry kind"
SET_BY_THE_APP = "set by the app, never typed in"

# Alice's monitor with every field away from its default: a layer that drops a field loses
# its value, so the round trips below catch it as well as the name checks.
SAMPLE = MonitorSpec.model_validate(
    {
        "id": "0a1ce000-0000-4000-8000-000000000001", "name": "Alice's shop",
        "url": "https://shop.alice.example/health", "method": "POST", "interval": 60,
        "timeout": 12.5, "headers": {"X-Token": "t0k3n"}, "body": '{"ping": true}',
        "expected_status": "200,204", "keyword": "ok", "keyword_absent": True,
        "degraded_after_ms": 1500, "follow_redirects": False, "verify_tls": False,
        "confirmations": 3, "reminder_minutes": 30, "is_active": False,
        "tags": [{"name": "shop", "color": "#e11d48"}, {"name": "Prod", "color": "#0d9488"}],
        "created_at": datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 2, 9, 45, tzinfo=UTC),
    }
)  # fmt: skip


@dataclass(frozen=True)
class Layer:
    """A place that declares a monitor's fields on its own."""

    name: str
    fields: Callable[[], set[str]]
    # spec fields the layer deliberately lacks, with why
    left_out: dict[str, str] = field(default_factory=dict)
    # the layer's own fields that are not the spec's, with why
    extra: dict[str, str] = field(default_factory=dict)


def _claimed_columns() -> set[str]:
    # imported here: a module that fails to import for a missing field fails this layer only
    from sync_server.worker.claims import SPEC_COLUMNS

    return set(SPEC_COLUMNS)


def _sqlite_columns() -> dict[str, bool]:
    """The desktop's migrated monitors table: column name -> nullable."""
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "upwatch.sqlite3"
        Database(path).close()
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("PRAGMA table_info(monitors)").fetchall()
        finally:
            conn.close()
    return {row[1]: not row[3] for row in rows}


DESKTOP_STATE = {
    "pk": "SQLite's row key, which links and history point at",
    "cloud": "whether the cloud checks it too is the account's choice, not part of the check",
    "status": "runtime state the writer keeps",
    "state": "runtime state the writer keeps",
    "last_checked_at": "runtime state the writer keeps",
    "last_response_ms": "runtime state the writer keeps",
    "last_error": "runtime state the writer keeps",
    "cloud_status": "the newest cloud result, pulled by sync",
    "cloud_checked_at": "the newest cloud result, pulled by sync",
}
SERVER_STATE = {
    "user_id": "the owner",
    "cloud": "whether the cloud checks it is the account's choice, not part of the check",
    "next_check_at": "the cloud workers' schedule",
    "lease_owner": "the cloud workers' claim",
    "lease_until": "the cloud workers' claim",
    "state": "the cloud's alert state",
    "seq": "the account's change number, for sync",
    "deleted": "a tombstone, for sync",
    "changed_by": "the device whose change is stored, for sync",
}
ONE_KIND_ONLY = {"kind": WHILE_ONE_KIND} if ONE_KIND else {}
NOT_TYPED_IN = {
    "id": SET_BY_THE_APP,
    "created_at": SET_BY_THE_APP,
    "updated_at": SET_BY_THE_APP,
    **ONE_KIND_ONLY,
}

LAYERS = [
    Layer("desktop table (desktop/storage/tables.py MonitorRow)",
          lambda: set(MonitorRow.model_fields), extra=DESKTOP_STATE),
    Layer("desktop SQLite schema (desktop/storage/migrations.py)",
          lambda: set(_sqlite_columns()), extra=DESKTOP_STATE),
    Layer("server table (sync_server/monitors/tables.py Monitor)",
          lambda: set(Monitor.model_fields), extra=SERVER_STATE),
    Layer("server API input (sync_server/monitors/schemas.py MonitorIn)",
          lambda: set(MonitorIn.model_fields), extra={"cloud": SERVER_STATE["cloud"]}),
    Layer("server API output (sync_server/monitors/schemas.py MonitorPublic)",
          lambda: set(MonitorPublic.model_fields),
          extra={"cloud": SERVER_STATE["cloud"], "seq": SERVER_STATE["seq"]}),
    Layer("server row to spec (sync_server/monitors/schemas.py spec_fields)",
          lambda: set(spec_fields(SAMPLE))),
    Layer("cloud worker claim (sync_server/worker/claims.py SPEC_COLUMNS)", _claimed_columns),
    Layer("CLI add/edit options (desktop/cli/options.py MONITOR_OPTIONS)",
          lambda: {option.field for option in MONITOR_OPTIONS},
          left_out={**NOT_TYPED_IN, "is_active": "`add --paused`, `pause` and `resume` set it"}),
    Layer("tray monitor dialog (desktop/ui/monitor_dialog.py MonitorDialog.fields)",
          lambda: set(_dialog_fields()),
          left_out={**NOT_TYPED_IN, "is_active": "the list's Pause and Resume set it"}),
    Layer("CSV export (desktop/services/transfer.py CSV_FIELDS)",
          lambda: set(CSV_FIELDS), left_out=ONE_KIND_ONLY),
]  # fmt: skip


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name.split(" (")[0])
def test_every_layer_has_every_spec_field_and_says_why_when_not(layer: Layer) -> None:
    have = layer.fields()
    missing = [name for name in SPEC_FIELDS if name not in have and name not in layer.left_out]
    assert not missing, f"{layer.name} lacks MonitorSpec field(s) {missing}"
    stale = [name for name in layer.left_out if name in have or name not in SPEC_FIELDS]
    assert not stale, f"{layer.name}: {stale} listed as left out, but it has them (or no spec does)"
    unknown = sorted(have - set(SPEC_FIELDS) - set(layer.extra))
    assert not unknown, f"{layer.name} has field(s) {unknown} that MonitorSpec lacks: say why"


def test_the_sample_sets_every_field_away_from_its_default() -> None:
    for name, info in MonitorSpec.model_fields.items():
        if name == "kind" and ONE_KIND:
            continue
        default = info.get_default(call_default_factory=True)
        assert getattr(SAMPLE, name) != default, f"give SAMPLE a value other than {name}'s default"


def test_the_wire_carries_the_whole_spec() -> None:
    for model in (MonitorChange, RemoteMonitor):
        annotation = model.model_fields["spec"].annotation
        assert MonitorSpec in get_args(annotation), f"shared/sync.py {model.__name__}.spec"
    for model in (MonitorIn, MonitorPublic):
        assert issubclass(model, MonitorSpec), f"sync_server/monitors/schemas.py {model.__name__}"


def _plain(annotation: Any) -> Any:
    """The stored shape of a type: Annotated unwrapped, a Literal as its values' type."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain(get_args(annotation)[0])
    if origin is Literal:
        return type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return frozenset(_plain(arg) for arg in get_args(annotation))
    return origin or annotation


STORED_AS_TEXT = {"id": "SQLite keeps the UUID as text"}


@pytest.mark.parametrize(
    ("layer", "model", "differs"),
    [
        ("desktop table MonitorRow", MonitorRow, STORED_AS_TEXT),
        ("server table Monitor", Monitor, {}),
    ],
)
def test_table_columns_have_the_spec_types_and_defaults(
    layer: str, model: type[BaseModel], differs: dict[str, str]
) -> None:
    for name, spec in MonitorSpec.model_fields.items():
        column = model.model_fields.get(name)
        assert column is not None, f"{layer} lacks MonitorSpec field {name}"
        if name not in differs:
            want, got = _plain(spec.annotation), _plain(column.annotation)
            assert got == want, f"{layer}.{name} is {got}, MonitorSpec's is {want}"
        if spec.default is not PydanticUndefined and column.default is not PydanticUndefined:
            assert column.default == spec.default, f"{layer}.{name}: default differs from the spec"


def _optional(name: str) -> bool:
    return type(None) in get_args(MonitorSpec.model_fields[name].annotation)


def test_database_columns_are_nullable_exactly_for_optional_fields() -> None:
    sqlite = _sqlite_columns()
    server = Monitor.__table__.columns  # type: ignore[attr-defined]
    for name in SPEC_FIELDS:
        want = "nullable" if _optional(name) else "NOT NULL"
        assert name in sqlite, f"desktop SQLite monitors lacks MonitorSpec field {name}"
        assert name in server, f"server monitors table lacks MonitorSpec field {name}"
        assert sqlite[name] == _optional(name), f"desktop SQLite monitors.{name} must be {want}"
        assert server[name].nullable == _optional(name), f"server monitors.{name} must be {want}"


def test_the_desktop_stores_and_reads_back_every_field(tmp_path: Path) -> None:
    database = Database(tmp_path / "upwatch.sqlite3")
    try:
        with database.session() as session:
            MonitorRepository(session).add(SAMPLE)
        with database.reader() as session:
            [row] = MonitorRepository(session).list_all()
            assert to_spec(row) == SAMPLE, "desktop/storage/monitors.py to_spec or _apply"
    finally:
        database.close()


def test_an_export_reads_back_every_field() -> None:
    document = parse_document(export_json(ExportDocument(monitors=[SAMPLE])))
    assert document.monitors == [SAMPLE], "desktop/services/transfer.py ExportDocument"


def _argv(name: str, value: Any) -> list[str]:
    """The command line that sets the spec field name to value."""
    [option] = [option for option in MONITOR_OPTIONS if option.field == name]
    if isinstance(value, bool):
        return [option.flag if value else "--no-" + option.flag.removeprefix("--")]
    if isinstance(value, dict):
        return [part for k, v in value.items() for part in (option.flag, f"{k}: {v}")]
    if name == "tags":
        return [option.flag, ",".join(tag_names(value))]
    return [option.flag, str(value)]


def test_the_cli_sets_every_field_it_has_options_for() -> None:
    options = [option.field for option in MONITOR_OPTIONS]
    argv = ["edit", "shop"] + [
        part for name in options for part in _argv(name, getattr(SAMPLE, name))
    ]
    args = build_parser().parse_args(argv)
    fields = monitor_fields(args)
    for name in options:
        want = getattr(SAMPLE, name)
        got = fields.get(name)
        if name == "tags":  # names only: a tag's colour is the tag's, not the command line's
            want = tag_names(want)
        assert got == want, f"CLI option for {name} (options.py)"


def _dialog_fields(spec: MonitorSpec = SAMPLE) -> dict[str, Any]:
    dialog = _dialog(spec)
    try:
        return dialog.fields()
    finally:
        dialog.deleteLater()


def _dialog(spec: MonitorSpec) -> Any:
    pytest.importorskip("PySide6.QtWidgets")
    from PySide6.QtWidgets import QApplication

    from desktop.ui.monitor_dialog import MonitorDialog

    _ = QApplication.instance() or QApplication([])
    return MonitorDialog(cast(Any, None), spec)  # the controller is only used on Save


def test_the_dialog_shows_and_returns_every_field_it_has() -> None:
    for name, value in _dialog_fields().items():
        assert value == getattr(SAMPLE, name), f"tray monitor dialog: {name} (fill or fields)"


# the number boxes of the dialog: spec field -> (widget attribute, whether 0 switches it off)
DIALOG_NUMBERS: dict[str, tuple[str, bool]] = {
    "interval": ("interval", False),
    "timeout": ("timeout", False),
    "degraded_after_ms": ("degraded", True),  # 0 shows "off": None
    "confirmations": ("confirmations", False),
    "reminder_minutes": ("reminder", True),  # 0 shows "never": None
}


@pytest.mark.parametrize("name", list(DIALOG_NUMBERS))
def test_the_dialog_marks_numbers_outside_the_spec_limits(name: str) -> None:
    attribute, off = DIALOG_NUMBERS[name]
    low, high = field_bounds(name)
    # timeout must be more than 0 s: its lowest allowed value is a tenth
    lowest = low + 0.1 if name == "timeout" else low
    below = 0.0 if name == "timeout" else low - 1
    inside, outside = [lowest, high] + ([0.0] if off else []), [below, high + 1]
    if off:
        outside.remove(below)  # 0 is "off" there, and nothing is below it
    dialog = _dialog(SAMPLE)
    try:
        box = getattr(dialog, attribute)
        marked = {}
        for value in (*inside, *outside):
            box.setValue(value)
            marked[value] = any(
                e.startswith(dialog._numbers[name][1]) for e in dialog.range_errors().values()
            )
    finally:
        dialog.deleteLater()
    assert marked == {**dict.fromkeys(inside, False), **dict.fromkeys(outside, True)}, (
        f"tray monitor dialog: {name}"
    )
