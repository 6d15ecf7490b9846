"""Reading and changing the desktop settings, with the limits of each."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from desktop.errors import InvalidInput
from desktop.storage.database import Database
from desktop.storage.settings import LIMITS, DesktopSettings, load_settings, save_settings


class SettingsService:
    """One place that validates and stores settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self) -> DesktopSettings:
        """Return the current settings."""
        conn = self.db.raw()
        try:
            return load_settings(conn)
        finally:
            conn.close()

    def change(self, **changes: Any) -> DesktopSettings:
        """Apply changes after checking them; raise InvalidInput and store nothing if bad."""
        current = self.load()
        for key, value in changes.items():
            if not hasattr(current, key):
                raise InvalidInput(f"unknown setting {key!r}")
            low, high = LIMITS.get(key, (None, None))
            if low is not None and high is not None and not low <= int(value) <= high:
                raise InvalidInput(f"{key.replace('_', ' ')} must be between {low} and {high}")
        updated = replace(current, **changes)
        conn = self.db.raw()
        try:
            conn.execute("BEGIN IMMEDIATE")
            save_settings(conn, updated)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return updated
