"""Alert channels: the row in SQLite, the Apprise URL in the keyring."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.errors import InvalidInput, SecretStoreUnavailable
from desktop.notify.dispatcher import AlertDispatcher, ChannelTarget, Delivery
from desktop.notify.sender import Sender
from desktop.notify.targets import kind_of, normalize_target, redact
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.storage.channels import ChannelRepository
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository
from desktop.storage.tables import ChannelRow
from shared.messages import test_message


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel as shown to a user (never the secret URL)."""

    id: str
    name: str
    kind: str
    target: str
    is_default: bool
    monitors: int
    failures: int
    last_error: str | None
    cloud: str | None = None  # where it lives in sync: None, "synced", "remote" or "local"

    @property
    def sends_from(self) -> str:
        """Who sends its alerts: this computer, the cloud (cloud-checked monitors), or both."""
        if self.cloud == "synced":
            return "this computer + cloud"
        if self.cloud == "remote":
            return "cloud"
        return "this computer"


class ChannelService:
    """Adds, lists, tests and removes alert channels."""

    def __init__(self, db: Database, secrets: SecretStore) -> None:
        self.db = db
        self.secrets = secrets

    def add(
        self,
        name: str,
        target: str,
        *,
        monitor_refs: list[str] | None = None,
        channel_id: str | None = None,
    ) -> ChannelInfo:
        """Create a channel for the named monitors (all when none); raise InvalidInput."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("a channel needs a name of 1 to 100 characters")
        url = normalize_target(target)
        self.secrets.ensure_available()
        now = datetime.now(UTC)
        new_id = str(uuid.UUID(channel_id)) if channel_id else str(uuid.uuid4())
        with self.db.session() as session:
            channels = ChannelRepository(session)
            if channels.by_name(name) is not None:
                raise InvalidInput(f"a channel called {name!r} already exists")
            monitors = MonitorRepository(session)
            linked = (
                [monitors.find(ref) for ref in monitor_refs]
                if monitor_refs
                else list(monitors.list_all())
            )
            row = channels.add(
                ChannelRow(
                    id=new_id,
                    name=name,
                    kind=kind_of(url),
                    target=redact(url),
                    is_default=not monitor_refs,
                    created_at=now,
                    updated_at=now,
                )
            )
            for monitor in linked:
                channels.link(monitor, row)
            channels.queue_push(row)
            # The secret is written last inside the unit of work: if the keyring refuses,
            # the row is rolled back and nothing is left half made.
            self.secrets.set(channel_secret_key(row.id), url)
            return self._info(channels, row)

    def update(
        self, ref: str, name: str, *, target: str | None, monitor_refs: list[str] | None
    ) -> ChannelInfo:
        """Change a channel's name, address (None keeps it) and monitors (None: every
        monitor, new ones too); raise InvalidInput or NotFound and change nothing."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("a channel needs a name of 1 to 100 characters")
        if monitor_refs is not None and not monitor_refs:
            raise InvalidInput("choose at least one monitor, or alert for every monitor")
        url = normalize_target(target) if target is not None else None
        if url is not None:
            self.secrets.ensure_available()
        with self.db.session() as session:
            channels = ChannelRepository(session)
            row = channels.find(ref)
            same_name = channels.by_name(name)
            if same_name is not None and same_name.id != row.id:
                raise InvalidInput(f"a channel called {name!r} already exists")
            if url is not None and row.cloud == "remote":
                raise InvalidInput(
                    f"channel {row.name!r} was made on another device: change its address there"
                )
            monitors = MonitorRepository(session)
            linked = (
                [monitors.find(r) for r in monitor_refs]
                if monitor_refs is not None
                else list(monitors.list_all())
            )
            row.name, row.is_default = name, monitor_refs is None
            if url is not None:
                row.kind, row.target = kind_of(url), redact(url)
            channels.add(row)
            channels.unlink_all(row)
            for monitor in linked:
                channels.link(monitor, row)
            channels.queue_push(row)
            if url is not None:  # last, as in add(): a refusal rolls the row back
                self.secrets.set(channel_secret_key(row.id), url)
            return self._info(channels, row)

    def scope_of(self, ref: str) -> list[str] | None:
        """Return the ids of the monitors a channel alerts for, or None when it alerts for
        every monitor, new ones too; raise NotFound."""
        with self.db.reader() as session:
            channels = ChannelRepository(session)
            row = channels.find(ref)
            return None if row.is_default else channels.monitors_of(row)

    def monitor_choices(self) -> list[tuple[str, str]]:
        """Return (id, name) of every monitor, oldest first: what a channel can alert for."""
        with self.db.reader() as session:
            return [(row.id, row.name) for row in MonitorRepository(session).list_all()]

    def list(self) -> list[ChannelInfo]:
        """Return every channel."""
        with self.db.reader() as session:
            channels = ChannelRepository(session)
            return [self._info(channels, row) for row in channels.list_all()]

    def remove(self, ref: str) -> ChannelInfo:
        """Delete a channel and its secret; raise NotFound."""
        with self.db.session() as session:
            channels = ChannelRepository(session)
            row = channels.find(ref)
            info = self._info(channels, row)
            channels.queue_push(row, deleted=True)
            channels.delete(row)
        # Without a keyring nothing was stored there; the channel is gone either way.
        with contextlib.suppress(SecretStoreUnavailable):
            self.secrets.delete(channel_secret_key(info.id))
        return info

    def target_of(self, ref: str) -> ChannelTarget:
        """Return where a channel delivers (URL from the keyring); raise NotFound, InvalidInput."""
        with self.db.reader() as session:
            row = ChannelRepository(session).find(ref)
            pk, channel_id, name, cloud = row.pk, row.id, row.name, row.cloud
        if cloud == "remote":
            raise InvalidInput(
                f"channel {name!r} was made on another device: its address is kept in Upwatch"
                " Cloud, which alerts through it for cloud-checked monitors"
            )
        url = self.secrets.get(channel_secret_key(channel_id))
        if not url or pk is None:
            raise InvalidInput(f"the URL of channel {name!r} is missing from the keyring")
        return ChannelTarget(pk, name, url)

    async def send_test(self, ref: str, *, sender: Sender | None = None) -> str | None:
        """Send a test message once (no retries); return None on success or the error."""
        # SQLite and the keyring (D-Bus) in a worker thread: the tray app calls this on its UI loop
        target = await asyncio.to_thread(self.target_of, ref)
        errors: list[str] = []

        def record(delivery: Delivery) -> None:
            if delivery.error:
                errors.append(delivery.error)

        dispatcher = AlertDispatcher(record=record, sender=sender, retry_delays=())
        ok = await dispatcher.deliver(test_message(), "", target)
        return None if ok else (errors[-1] if errors else "delivery failed")

    @staticmethod
    def _info(channels: ChannelRepository, row: ChannelRow) -> ChannelInfo:
        return ChannelInfo(
            id=row.id,
            name=row.name,
            kind=row.kind,
            target=row.target,
            is_default=row.is_default,
            monitors=len(channels.monitors_of(row)),
            failures=row.failures,
            last_error=row.last_error,
            cloud=row.cloud,
        )

    def ids_for_monitor(self, monitor_id: uuid.UUID) -> set[str]:
        """Return the ids of the channels that alert for a monitor."""
        with self.db.reader() as session:
            monitor = MonitorRepository(session).find(str(monitor_id))
            assert monitor.pk is not None
            return {row.id for row in ChannelRepository(session).for_monitor(monitor.pk)}

    def set_for_monitor(self, monitor_id: uuid.UUID, channel_ids: set[str]) -> None:
        """Make exactly these channels alert for a monitor; raise NotFound."""
        with self.db.session() as session:
            channels = ChannelRepository(session)
            monitor = MonitorRepository(session).find(str(monitor_id))
            assert monitor.pk is not None
            before = {row.pk for row in channels.for_monitor(monitor.pk)}
            every = list(channels.list_all())
            pks = {row.pk for row in every if row.id in channel_ids and row.pk}
            channels.set_for_monitor(monitor, pks)
            for row in every:
                if (row.pk in before) != (row.pk in pks):
                    channels.queue_push(row)  # its links changed
