"""SettingsController: desktop settings (applied to the running service at once) and start at
login."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from desktop.config import DesktopSettings
from desktop.runtime.events import SettingsEdited
from desktop.runtime.monitoring import Monitoring
from desktop.services import autostart
from desktop.services.settings import SettingsService


class SettingsController(QObject):
    """Holds the settings; changes are validated, stored, applied, then announced."""

    settings_changed = Signal()

    def __init__(
        self,
        service: SettingsService,
        monitoring: Monitoring | None = None,
        *,
        settings: DesktopSettings | None = None,
    ) -> None:
        super().__init__()
        self._service = service
        self._monitoring = monitoring
        self.settings = settings or DesktopSettings()
        self.start_at_login = False

    async def refresh(self) -> None:
        """Read the stored settings and the login item."""
        self.settings = await asyncio.to_thread(self._service.load)
        self.start_at_login = await asyncio.to_thread(autostart.is_enabled)
        await self._apply()
        self.settings_changed.emit()

    async def change(self, **changes: object) -> None:
        """Store changed settings and apply them; raise InvalidInput and keep the old ones if
        bad."""
        self.settings = await asyncio.to_thread(lambda: self._service.change(**changes))
        await self._apply()
        self.settings_changed.emit()

    async def set_start_at_login(self, enabled: bool) -> None:
        """Add or remove the login item; raise UpwatchError when the OS refuses."""
        await asyncio.to_thread(autostart.set_enabled, enabled)
        self.start_at_login = enabled
        self.settings_changed.emit()

    async def _apply(self) -> None:
        if self._monitoring is not None:
            await self._monitoring.apply(SettingsEdited(self.settings))
