"""ChannelRepository: alert channels and their links to monitors. Flushes, never commits."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from desktop.errors import NotFound
from desktop.storage.tables import ChannelRow, MonitorChannelLink, MonitorRow, OutboxRow


class ChannelRepository:
    """Reads and writes alert channels within the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ChannelRow) -> ChannelRow:
        """Insert a channel and return it with its pk."""
        self.session.add(row)
        self.session.flush()
        return row

    def queue_push(self, row: ChannelRow, *, deleted: bool = False) -> None:
        """Mark the channel changed now and queue it (or its deletion) for the next push."""
        row.updated_at = datetime.now(UTC)
        row.cloud_monitors = None  # its links are this computer's now
        if not deleted:
            self.session.add(row)
        self.session.merge(
            OutboxRow(kind="channel", id=row.id, updated_at=row.updated_at, deleted=deleted)
        )
        self.session.flush()

    def list_all(self) -> Sequence[ChannelRow]:
        """Return every channel, oldest first."""
        return self.session.exec(select(ChannelRow).order_by(col(ChannelRow.pk))).all()

    def by_name(self, name: str) -> ChannelRow | None:
        """Return the channel called name, if any."""
        return self.session.exec(select(ChannelRow).where(ChannelRow.name == name)).first()

    def find_by_id(self, channel_id: str) -> ChannelRow | None:
        """Return the channel with this id, if any."""
        return self.session.exec(select(ChannelRow).where(ChannelRow.id == channel_id)).first()

    def find(self, ref: str) -> ChannelRow:
        """Return the channel with this name, id or unique id prefix; raise NotFound."""
        ref = ref.strip()
        row = self.by_name(ref)
        if row is not None:
            return row
        if len(ref) >= 4:
            query = select(ChannelRow).where(col(ChannelRow.id).startswith(ref.lower()))
            matches = list(self.session.exec(query).all())
            if len(matches) == 1:
                return matches[0]
        raise NotFound(f"no channel matches {ref!r} (see `upwatch channel list`)")

    def delete(self, row: ChannelRow) -> None:
        """Delete a channel and its links."""
        self.session.delete(row)
        self.session.flush()

    def link(self, monitor: MonitorRow, channel: ChannelRow) -> None:
        """Make channel alert for monitor (idempotent)."""
        assert monitor.pk is not None
        assert channel.pk is not None
        if self.session.get(MonitorChannelLink, (monitor.pk, channel.pk)) is None:
            self.session.add(MonitorChannelLink(monitor_pk=monitor.pk, channel_pk=channel.pk))
            self.session.flush()

    def set_for_monitor(self, monitor: MonitorRow, channel_pks: set[int]) -> None:
        """Make exactly these channels alert for monitor."""
        query = select(MonitorChannelLink).where(MonitorChannelLink.monitor_pk == monitor.pk)
        for link in self.session.exec(query).all():
            if link.channel_pk not in channel_pks:
                self.session.delete(link)
        self.session.flush()
        for channel in self.list_all():
            if channel.pk in channel_pks:
                self.link(monitor, channel)

    def unlink_all(self, channel: ChannelRow) -> None:
        """Remove every monitor link of a channel."""
        query = select(MonitorChannelLink).where(MonitorChannelLink.channel_pk == channel.pk)
        for link in self.session.exec(query).all():
            self.session.delete(link)
        self.session.flush()

    def monitors_of(self, channel: ChannelRow) -> list[str]:
        """Return the ids of the monitors a channel alerts for."""
        query = (
            select(MonitorRow.id)
            .join(MonitorChannelLink, col(MonitorChannelLink.monitor_pk) == col(MonitorRow.pk))
            .where(MonitorChannelLink.channel_pk == channel.pk)
            .order_by(col(MonitorRow.pk))
        )
        return list(self.session.exec(query).all())

    def for_monitor(self, monitor_pk: int) -> Sequence[ChannelRow]:
        """Return the channels that alert for a monitor."""
        query = (
            select(ChannelRow)
            .join(MonitorChannelLink, col(MonitorChannelLink.channel_pk) == col(ChannelRow.pk))
            .where(MonitorChannelLink.monitor_pk == monitor_pk)
            .order_by(col(ChannelRow.pk))
        )
        return self.session.exec(query).all()


def record_delivery(
    conn: sqlite3.Connection,
    *,
    channel_pk: int,
    monitor_id: str,
    event: str,
    attempt: int,
    at: str,
    error: str | None,
) -> None:
    """Log one delivery attempt and the channel's health (runs on the writer thread)."""
    conn.execute(
        "INSERT INTO deliveries (channel_pk, monitor_id, event, attempt, at, ok, error)"
        " SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM alert_channels WHERE pk = ?)",
        (channel_pk, monitor_id, event, attempt, at, int(error is None), error, channel_pk),
    )
    if error is None:
        conn.execute(
            "UPDATE alert_channels SET failures = 0, last_sent_at = ? WHERE pk = ?",
            (at, channel_pk),
        )
    else:
        conn.execute(
            "UPDATE alert_channels SET failures = failures + 1, last_error = ?,"
            " last_error_at = ? WHERE pk = ?",
            (error, at, channel_pk),
        )
