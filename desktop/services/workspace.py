"""Workspace: one data folder's database and the services the tray app builds on it.

The UI never opens storage itself: it is handed a Workspace, which opens the database (a
damaged file is moved aside and said in `notice`), and asks it for services.
"""

from __future__ import annotations

from pathlib import Path

from desktop.config import DesktopSettings, database_path
from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore
from desktop.services.channels import ChannelService
from desktop.services.cloud import CloudService
from desktop.services.monitors import MonitorService
from desktop.services.settings import SettingsService
from desktop.services.transfer import TransferService
from desktop.storage.database import Database


class Workspace:
    """The database of one data folder and the services over it."""

    def __init__(self, path: Path | None = None) -> None:
        """Open the database at path (the data folder's by default); raise StorageError."""
        self.db = Database(path or database_path())

    @property
    def path(self) -> Path:
        """Where the database file is."""
        return self.db.path

    @property
    def notice(self) -> str | None:
        """Why and where a damaged database file was moved aside on open, else None."""
        moved = self.db.moved_aside
        return None if moved is None else moved.message

    def monitoring(self, settings: DesktopSettings) -> Monitoring:
        """The monitoring service (not started) with these settings."""
        return Monitoring(self.db, secrets=SecretStore(), settings=settings)

    def monitors(self) -> MonitorService:
        """The monitor use cases."""
        return MonitorService(self.db)

    def channels(self) -> ChannelService:
        """The alert channel use cases."""
        return ChannelService(self.db, SecretStore())

    def settings(self) -> SettingsService:
        """Reading and changing the desktop settings."""
        return SettingsService(self.db)

    def stored_settings(self) -> DesktopSettings:
        """The settings as stored (defaults for anything not stored)."""
        return self.settings().load()

    def cloud(self) -> CloudService:
        """Upwatch Cloud: the account and sync."""
        return CloudService(self.db, SecretStore())

    def transfer(self) -> TransferService:
        """Export to and import from files."""
        return TransferService(self.db, SecretStore())

    def close(self) -> None:
        """Close the database."""
        self.db.close()
