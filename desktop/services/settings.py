"""Reading and changing the desktop settings (one model: desktop.config.DesktopSettings)."""

from __future__ import annotations

from desktop.config import EDITABLE, DesktopSettings
from desktop.errors import InvalidInput
from desktop.storage import settings as stored_settings
from desktop.storage.database import Database


class SettingsService:
    """One place that validates and stores settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self) -> DesktopSettings:
        """Return the current settings (defaults for anything not stored)."""
        with self.db.reader() as session:
            stored = stored_settings.SettingsRepository(session).load()
        settings = DesktopSettings()
        for key, value in stored.items():
            if key not in EDITABLE:
                continue  # a setting of another version of the app
            try:
                settings = settings.changed(**{key: value})
            except InvalidInput:
                continue  # out of range (edited by hand): the default instead
        return settings

    def change(self, **changes: object) -> DesktopSettings:
        """Store changes after checking them; raise InvalidInput and store nothing if bad."""
        updated = self.load().changed(**changes)
        with self.db.session() as session:
            stored_settings.SettingsRepository(session).save(updated.editable())
        return updated
