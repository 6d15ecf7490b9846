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
        monitor_ids: list[uuid.UUID] | list[str] | None = None,
    ) -> ChannelInfo:
        """Create a channel from a kind's fields for these monitors (None: every monitor, new
        ones too); raise InvalidInput, SecretStoreUnavailable."""
        url = build_target(kind, fields)
        refs = [str(m) for m in monitor_ids] if monitor_ids else None
        info = await asyncio.to_thread(self._service.add, name, url, monitor_refs=refs)
        await self.refresh()
        return info

    async def update(
        self,
        channel_id: str,
        name: str,
        kind: ChannelKind,
        fields: dict[str, str] | None,
        monitor_ids: list[str] | None,
    ) -> ChannelInfo:
        """Change a channel: its name, its address from a kind's fields (None keeps it) and
        its monitors (None: every monitor); raise InvalidInput, NotFound,
        SecretStoreUnavailable."""
        url = build_target(kind, fields) if fields is not None else None
        info = await asyncio.to_thread(
            self._service.update, channel_id, name, target=url, monitor_refs=monitor_ids
        )
        await self.refresh()
        return info

    async def scope_of(self, channel_id: str) -> list[str] | None:
        """Return the ids of the monitors a channel alerts for (None: every monitor)."""
        return await asyncio.to_thread(self._service.scope_of, channel_id)

    async def monitor_choices(self) -> list[tuple[str, str]]:
        """Return (id, name) of every monitor a channel can alert for."""
        return await asyncio.to_thread(self._service.monitor_choices)

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
