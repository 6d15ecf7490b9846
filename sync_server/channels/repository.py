"""ChannelRepository: one owner's channels and links. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from sync_server.changes import next_seq
from sync_server.channels.tables import AlertChannel, MonitorChannel
from sync_server.monitors.repository import owned_live_ids


class ChannelRepository:
    """Every query is scoped to an owner."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list_for_owner(self, user_id: uuid.UUID) -> Sequence[AlertChannel]:
        """Return the owner's channels, oldest first."""
        query = (
            select(AlertChannel)
            .where(AlertChannel.user_id == user_id, col(AlertChannel.deleted).is_(False))
            .order_by(col(AlertChannel.created_at), col(AlertChannel.id))
        )
        return self.session.exec(query).all()

    def get_for_owner(self, user_id: uuid.UUID, channel_id: uuid.UUID) -> AlertChannel | None:
        """Return the owner's channel, or None (also for someone else's)."""
        channel = self.session.get(AlertChannel, channel_id)
        if channel is None or channel.user_id != user_id or channel.deleted:
            return None
        return channel

    def owned_monitor_ids(self, user_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Return which of ids are the owner's live monitors."""
        return owned_live_ids(self.session, user_id, ids)

    def monitor_ids(self, channel_id: uuid.UUID) -> list[uuid.UUID]:
        """Return the monitors a channel alerts for."""
        query = select(MonitorChannel.monitor_id).where(MonitorChannel.channel_id == channel_id)
        return sorted(self.session.exec(query).all())

    def set_links(self, channel_id: uuid.UUID, monitor_ids: set[uuid.UUID]) -> None:
        """Make the channel alert for exactly these monitors."""
        self.session.exec(
            delete(MonitorChannel).where(col(MonitorChannel.channel_id) == channel_id)
        )
        for monitor_id in sorted(monitor_ids):
            self.session.add(MonitorChannel(monitor_id=monitor_id, channel_id=channel_id))
        self.session.flush()

    def next_seq(self, user_id: uuid.UUID) -> int:
        """Return the account's next change number (shared by every synced entity)."""
        return next_seq(self.session, user_id)

    def save(self, channel: AlertChannel) -> AlertChannel:
        """Insert or update a channel."""
        self.session.add(channel)
        self.session.flush()
        return channel
