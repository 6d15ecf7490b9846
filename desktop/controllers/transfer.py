"""TransferController: the File menu's Import and Export, off the UI thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.controllers.channels import ChannelsController
from desktop.controllers.monitors import MonitorsController
from desktop.services.transfer import TransferService


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class TransferController(QObject):
    """Imports and exports Upwatch files; the lists follow an import at once."""

    def __init__(
        self,
        service: TransferService,
        monitors: MonitorsController,
        channels: ChannelsController | None = None,
    ) -> None:
        super().__init__()
        self._service = service
        self._monitors = monitors
        self._channels = channels

    async def import_file(self, path: Path) -> str:
        """Import path; return what was imported; raise InvalidInput (nothing written)."""
        monitors, channels = await asyncio.to_thread(self._service.import_file, path)
        await self._monitors.reload()
        if self._channels is not None:
            await self._channels.refresh()
        self._monitors.monitors_edited.emit()  # sync pushes what came in
        return f"Imported {_count(monitors, 'monitor')} and {_count(channels, 'channel')}."

    async def export_file(self, path: Path) -> str:
        """Export to path; return what was written; raise InvalidInput."""
        monitors, channels = await asyncio.to_thread(self._service.export_file, path)
        what = _count(monitors, "monitor")
        if channels:
            what += f" and {_count(channels, 'channel')} (with their tokens: keep it private)"
        return f"Wrote {what} to {path}."
