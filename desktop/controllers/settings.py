"""SettingsController: desktop settings and start at login."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.services import autostart
from desktop.services.settings import SettingsService
from desktop.storage.settings import DesktopSettings


class SettingsController(QObject):
    """Holds the settings; changes are validated, stored, then announced."""

    settings_changed = Signal()

    def __init__(self, service: SettingsService) -> None:
        super().__init__()
        self._service = service
        self.settings = DesktopSettings()
        self.start_at_login = False

    async def refresh(self) -> None:
        """Read the stored settings and the login item."""
        self.settings = await asyncio.to_thread(self._service.load)
        self.start_at_login = await asyncio.to_thread(autostart.is_enabled)
        self.settings_changed.emit()

    async def change(self, **changes: Any) -> None:
        """Store changed settings; raise InvalidInput and keep the old ones if bad."""
        self.settings = await asyncio.to_thread(lambda: self._service.change(**changes))
        self.settings_changed.emit()

    async def set_start_at_login(self, enabled: bool) -> None:
        """Add or remove the login item; raise UpwatchError when the OS refuses."""
        await asyncio.to_thread(autostart.set_enabled, enabled)
        self.start_at_login = enabled
        self.settings_changed.emit()
