"""Export and import of monitors and channels (JSON or YAML), all or nothing."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from desktop.errors import InvalidInput
from desktop.notify.targets import kind_of, normalize_target, redact
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.services.validation import describe
from desktop.storage.channels import ChannelRepository
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository, to_spec
from desktop.storage.tables import ChannelRow
from shared.monitor import MonitorSpec
from shared.text import storable_text

FORMAT_VERSION = 1


class ChannelExport(BaseModel):
    """A channel in an export file, with its URL (a secret: keep the file private)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    name: Annotated[str, AfterValidator(storable_text)] = Field(min_length=1, max_length=100)
    url: str
    is_default: bool = True
    monitors: list[uuid.UUID] = Field(default_factory=list)


class ExportDocument(BaseModel):
    """The whole export file."""

    model_config = ConfigDict(extra="forbid")

    upwatch: int = FORMAT_VERSION
    monitors: list[MonitorSpec] = Field(default_factory=list)
    channels: list[ChannelExport] = Field(default_factory=list)


def build_export(
    db: Database, secrets: SecretStore, *, with_channels: bool = True
) -> ExportDocument:
    """Return every monitor and, with_channels, every channel (URLs read from the keyring)."""
    with db.reader() as session:
        monitors = [to_spec(row) for row in MonitorRepository(session).list_all()]
        repo = ChannelRepository(session)
        rows = [(row, [uuid.UUID(m) for m in repo.monitors_of(row)]) for row in repo.list_all()]
    if not with_channels:
        return ExportDocument(monitors=monitors)
    channels = []
    if rows:
        secrets.ensure_available()
    for row, linked in rows:
        url = secrets.get(channel_secret_key(row.id)) or ""
        channels.append(
            ChannelExport(
                id=uuid.UUID(row.id),
                name=row.name,
                url=url,
                is_default=row.is_default,
                monitors=linked,
            )
        )
    return ExportDocument(monitors=monitors, channels=channels)


def export_json(document: ExportDocument) -> str:
    """Return the document as indented JSON."""
    return json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def export_yaml(document: ExportDocument) -> str:
    """Return the document as YAML."""
    return yaml.safe_dump(document.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


CSV_FIELDS = [name for name in MonitorSpec.model_fields if name != "kind"]


def export_csv(document: ExportDocument) -> str:
    """Return the monitors as CSV, one row each (headers and tags as JSON text)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for spec in document.monitors:
        row = spec.model_dump(mode="json")
        for name in ("headers", "tags"):
            row[name] = json.dumps(row[name], separators=(",", ":"), ensure_ascii=False)
        writer.writerow({name: "" if row[name] is None else row[name] for name in CSV_FIELDS})
    return out.getvalue()


def parse_document(text: str) -> ExportDocument:
    """Parse JSON or YAML export text; raise InvalidInput describing every problem."""
    try:
        data: Any = json.loads(text)
    except RecursionError:
        raise InvalidInput("the file nests too deeply to be an Upwatch export") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of too many digits
        if not isinstance(exc, json.JSONDecodeError):  # Python's own limit on int("9" * n)
            raise InvalidInput("the file holds a number of more than 4300 digits") from None
        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise InvalidInput("the file nests too deeply to be an Upwatch export") from None
        except (yaml.YAMLError, ValueError) as exc:
            raise InvalidInput(f"the file is neither JSON nor YAML: {exc}") from None
    if not isinstance(data, dict):
        if text.lstrip().startswith("id,name,"):
            raise InvalidInput("CSV exports cannot be imported: export as JSON or YAML")
        raise InvalidInput("the file must hold an object with 'monitors' and 'channels'")
    try:
        document = ExportDocument.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None
    except RecursionError:
        raise InvalidInput("the file nests too deeply to be an Upwatch export") from None
    if document.upwatch != FORMAT_VERSION:
        raise InvalidInput(f"unknown export format version {document.upwatch}")
    return document


def import_document(
    db: Database, secrets: SecretStore, document: ExportDocument
) -> tuple[int, int]:
    """Create or replace the document's monitors and channels; return (monitors, channels).

    Everything is checked before anything is written, and it is written in one transaction.
    """
    urls = {channel.id: normalize_target(channel.url) for channel in document.channels}
    ids = [spec.id for spec in document.monitors]
    if len(set(ids)) != len(ids):
        raise InvalidInput("the file lists a monitor id twice")
    names = [channel.name for channel in document.channels]
    if len(set(names)) != len(names):
        raise InvalidInput("the file lists a channel name twice")
    if document.channels:
        secrets.ensure_available()
    known = set(ids)
    with db.session() as session:
        monitors = MonitorRepository(session)
        for spec in document.monitors:
            existing = monitors.find_by_id(spec.id)
            if existing is None:
                monitors.add(spec, link_default_channels=False)
            else:
                monitors.save(spec)
        known |= {uuid.UUID(row.id) for row in monitors.list_all()}
        channels = ChannelRepository(session)
        for channel in document.channels:
            missing = [m for m in channel.monitors if m not in known]
            if missing:
                raise InvalidInput(f"channel {channel.name!r} names unknown monitor {missing[0]}")
            _upsert_channel(monitors, channels, channel, urls[channel.id])
        for channel in document.channels:
            secrets.set(channel_secret_key(str(channel.id)), urls[channel.id])
    return len(document.monitors), len(document.channels)


def _upsert_channel(
    monitors: MonitorRepository, channels: ChannelRepository, channel: ChannelExport, url: str
) -> None:
    clash = channels.by_name(channel.name)
    if clash is not None and clash.id != str(channel.id):
        raise InvalidInput(f"a different channel called {channel.name!r} already exists")
    now = datetime.now(UTC)
    row = clash or channels.find_by_id(str(channel.id))
    if row is None:
        row = ChannelRow(
            id=str(channel.id),
            name=channel.name,
            kind=kind_of(url),
            target=redact(url),
            created_at=now,
            updated_at=now,
        )
    row.name, row.kind, row.target = channel.name, kind_of(url), redact(url)
    row.is_default, row.updated_at = channel.is_default, now
    row = channels.add(row)
    channels.unlink_all(row)
    for monitor_id in channel.monitors:
        monitor = monitors.find_by_id(monitor_id)
        assert monitor is not None
        channels.link(monitor, row)
    # an imported address replaces whatever the cloud had: this computer holds it now
    row.cloud = None if row.cloud == "remote" else row.cloud
    channels.queue_push(row)


RENDERERS = {"json": export_json, "yaml": export_yaml, "csv": export_csv}


def read_text_file(path: Path) -> str:
    """Return a file's UTF-8 text; raise InvalidInput saying why it cannot be read."""
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None


def write_private_file(path: Path, text: str) -> None:
    """Write text to path, readable by its owner only (an export may hold channel tokens)."""
    try:
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None


class TransferService:
    """Export to and import from files: the tray app's File menu."""

    def __init__(self, db: Database, secrets: SecretStore) -> None:
        self.db = db
        self.secrets = secrets

    def import_file(self, path: Path) -> tuple[int, int]:
        """Import an Upwatch export file; return (monitors, channels); raise InvalidInput
        and write nothing when any of it is wrong."""
        return import_document(self.db, self.secrets, parse_document(read_text_file(path)))

    def export_file(self, path: Path, *, with_channels: bool = True) -> tuple[int, int]:
        """Write every monitor (and channel) to path as JSON, or YAML or CSV by its suffix
        (CSV holds no channels); return (monitors, channels)."""
        kind = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}.get(path.suffix.lower(), "json")
        document = build_export(
            self.db, self.secrets, with_channels=with_channels and kind != "csv"
        )
        write_private_file(path, RENDERERS[kind](document))
        return len(document.monitors), len(document.channels)
