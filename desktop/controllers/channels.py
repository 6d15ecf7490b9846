"""ChannelsController: alert channels for the Channels page and the monitor dialog."""

from __future__ import annotations

import asyncio
import uuid

from PySide6.QtCore import QObject, Signal

from desktop.notify.targets import ChannelKind, build_target
from desktop.services.channels import ChannelInfo, ChannelService


class ChannelsController(QObject):
    """Lists, adds, tests and removes channels; every keyring and SQL call off the UI thread."""

    channels_changed = Signal()

    def __init__(self, service: ChannelService) -> None:
        super().__init__()
        self._service = service
        self.channels: list[ChannelInfo] = []

    async def refresh(self) -> None:
        """Reload the channel list."""
        self.channels = await asyncio.to_thread(self._service.list)
        self.channels_changed.emit()

    async def add(
        self,
        name: str,
        kind: ChannelKind,
        fields: dict[str, str],
        monitor_ids: list[uuid.UUID] | None = None,
    ) -> ChannelInfo:
        """Create a channel from a kind's fields; raise InvalidInput, SecretStoreUnavailable."""
        url = build_target(kind, fields)
        refs = [str(m) for m in monitor_ids] if monitor_ids else None
        info = await asyncio.to_thread(self._service.add, name, url, monitor_refs=refs)
        await self.refresh()
        return info

    async def remove(self, channel_id: str) -> None:
        """Delete a channel and its secret."""
        await asyncio.to_thread(self._service.remove, channel_id)
        await self.refresh()

    async def send_test(self, channel_id: str) -> str | None:
        """Send a test message; return None when delivered, else the reason."""
        error = await self._service.send_test(channel_id)
        await self.refresh()
        return error

    async def ids_for_monitor(self, monitor_id: uuid.UUID) -> set[str]:
        """Return the ids of the channels alerting for a monitor."""
        return await asyncio.to_thread(self._service.ids_for_monitor, monitor_id)

    async def set_for_monitor(self, monitor_id: uuid.UUID, channel_ids: set[str]) -> None:
        """Make exactly these channels alert for a monitor."""
        await asyncio.to_thread(self._service.set_for_monitor, monitor_id, channel_ids)
        await self.refresh()
