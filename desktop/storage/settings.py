"""The settings table: each setting a JSON value under its name.

Which settings exist, their defaults and ranges live in one model (desktop.config's
DesktopSettings); this only keeps what was stored, so nothing here can disagree with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlmodel import Session

from desktop.storage.database import dbapi

StoredValue = bool | int | float | str | None


class SettingsRepository:
    """The settings table within the caller's unit of work (a reader() or session())."""

    def __init__(self, session: Session) -> None:
        self._conn = dbapi(session)

    def load(self) -> dict[str, StoredValue]:
        """Return every stored setting by name; a value that is not readable JSON of a
        plain type (edited by hand) is left out."""
        stored: dict[str, StoredValue] = {}
        for key, text in self._conn.execute("SELECT key, value FROM settings"):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if value is None or isinstance(value, bool | int | float | str):
                stored[str(key)] = value
        return stored

    def save(self, values: Mapping[str, StoredValue]) -> None:
        """Store these settings by name (the unit of work commits)."""
        self._conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(key, json.dumps(value)) for key, value in values.items()],
        )
