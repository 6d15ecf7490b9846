"""MonitorRepository: monitors in and out of SQLite. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from desktop.errors import InvalidInput, NotFound
from desktop.storage.channels import ChannelRepository
from desktop.storage.tables import ChannelRow, MonitorChannelLink, MonitorRow, OutboxRow
from desktop.storage.tags import TagColours
from shared.monitor import MonitorSpec
from shared.text import is_storable

SPEC_FIELDS: tuple[str, ...] = tuple(MonitorSpec.model_fields)


def to_spec(row: MonitorRow) -> MonitorSpec:
    """Return the validated spec stored in row."""
    data = {name: getattr(row, name) for name in SPEC_FIELDS}
    data["id"] = uuid.UUID(row.id)
    return MonitorSpec.model_validate(data)


def _apply(row: MonitorRow, spec: MonitorSpec) -> None:
    for name in SPEC_FIELDS:
        value = getattr(spec, name)
        setattr(row, name, str(value) if name == "id" else value)


class MonitorRepository:
    """Reads and writes monitors within the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._tag_colours = TagColours(session)

    def add(
        self, spec: MonitorSpec, *, link_default_channels: bool = True, remote: bool = False
    ) -> MonitorRow:
        """Insert spec and return its row; raise InvalidInput if the id is taken.

        remote: the change came from Upwatch Cloud, so it is not queued to be pushed back (and
        its tags keep the colours they came with). A tag this computer has already takes its
        colour here.
        """
        if not remote:
            spec = self._tag_colours.settle(spec)
        if self.find_by_id(spec.id) is not None:
            raise InvalidInput(f"a monitor with id {spec.id} already exists")
        row = MonitorRow(
            id=str(spec.id),
            name=spec.name,
            url=spec.url,
            interval=spec.interval,
            timeout=spec.timeout,
            created_at=spec.created_at,
            updated_at=spec.updated_at,
        )
        _apply(row, spec)
        if not spec.is_active:
            row.status = "paused"
        self.session.add(row)
        self.session.flush()
        if link_default_channels:
            defaults = self.session.exec(select(ChannelRow).where(col(ChannelRow.is_default)))
            for channel in defaults:
                assert row.pk is not None
                assert channel.pk is not None
                self.session.add(MonitorChannelLink(monitor_pk=row.pk, channel_pk=channel.pk))
                if not remote:
                    ChannelRepository(self.session).queue_push(channel)  # its links changed
            self.session.flush()
        if not remote:
            self.queue_push(row.id, spec.updated_at)
        return row

    def save(self, spec: MonitorSpec, *, remote: bool = False) -> MonitorRow:
        """Update the monitor with spec's id to spec and return it; raise NotFound."""
        row = self.find_by_id(spec.id)
        if row is None:
            raise NotFound(f"no monitor with id {spec.id}")
        if not remote:
            spec = self._tag_colours.settle(spec)
        _apply(row, spec)
        if not spec.is_active:
            row.status = "paused"
        elif row.status == "paused":
            row.status = "unknown"
        self.session.add(row)
        self.session.flush()
        if not remote:
            self.queue_push(row.id, spec.updated_at)
        return row

    def set_cloud(self, row: MonitorRow, cloud: bool) -> MonitorRow:
        """Set whether the cloud checks this monitor too, as a change to push."""
        if row.cloud != cloud:
            row.cloud, row.updated_at = cloud, datetime.now(UTC)
            self.session.add(row)
            self.session.flush()
            self.queue_push(row.id, row.updated_at)
        return row

    def delete(self, row: MonitorRow, *, remote: bool = False) -> None:
        """Delete a monitor with its history (a tombstone is queued for the cloud)."""
        self.session.delete(row)
        self.session.flush()
        if not remote:
            self.queue_push(row.id, datetime.now(UTC), deleted=True)

    def queue_push(self, monitor_id: str, updated_at: datetime, *, deleted: bool = False) -> None:
        """Queue this monitor's current state (or its deletion) for the next push."""
        entry = OutboxRow(kind="monitor", id=monitor_id, updated_at=updated_at, deleted=deleted)
        self.session.merge(entry)
        self.session.flush()

    def list_all(self) -> Sequence[MonitorRow]:
        """Return every monitor, oldest first."""
        return self.session.exec(select(MonitorRow).order_by(col(MonitorRow.pk))).all()

    def list_active(self) -> Sequence[MonitorRow]:
        """Return the monitors that should be checked."""
        query = select(MonitorRow).where(col(MonitorRow.is_active)).order_by(col(MonitorRow.pk))
        return self.session.exec(query).all()

    def count(self) -> int:
        """Return how many monitors there are."""
        return int(self.session.exec(select(func.count()).select_from(MonitorRow)).one())

    def find(self, ref: str) -> MonitorRow:
        """Return the monitor named by a full id, a unique id prefix (4+ chars) or its name.

        Raises NotFound when nothing or more than one monitor matches.
        """
        ref = ref.strip()
        if not ref:
            raise NotFound("no monitor named: give an id (or its first characters) or a name")
        if not is_storable(ref):  # no monitor can be called that, and SQLite cannot take it
            raise NotFound(f"no monitor matches {ref!r}")
        exact = self.session.exec(select(MonitorRow).where(MonitorRow.id == ref.lower())).first()
        if exact is not None:
            return exact
        matches: list[MonitorRow] = []
        if len(ref) >= 4:
            query = select(MonitorRow).where(col(MonitorRow.id).startswith(ref.lower()))
            matches = list(self.session.exec(query).all())
        if not matches:
            matches = list(self.session.exec(select(MonitorRow).where(MonitorRow.name == ref)))
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no monitor matches {ref!r} (see `upwatch list`)")
        raise NotFound(f"{ref!r} matches {len(matches)} monitors; give more of the id")

    def channel_pks(self, row: MonitorRow) -> list[int]:
        """Return the pks of the channels linked to a monitor."""
        query = select(MonitorChannelLink.channel_pk).where(MonitorChannelLink.monitor_pk == row.pk)
        return list(self.session.exec(query).all())

    def find_by_id(self, monitor_id: uuid.UUID) -> MonitorRow | None:
        """Return the monitor with this id, if any."""
        return self.session.exec(select(MonitorRow).where(MonitorRow.id == str(monitor_id))).first()
