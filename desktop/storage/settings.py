"""Desktop settings kept in the settings table: typed, with defaults."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlmodel import Session

from desktop.storage.database import dbapi


@dataclass(frozen=True, slots=True)
class DesktopSettings:
    """What the Settings page changes."""

    desktop_notifications: bool = True
    raw_retention_days: int = 30
    concurrency: int = 64


LIMITS: dict[str, tuple[int, int]] = {"raw_retention_days": (1, 3650), "concurrency": (1, 1000)}


def load_settings(conn: sqlite3.Connection) -> DesktopSettings:
    """Return the stored settings, defaults for anything missing or unreadable."""
    stored: dict[str, Any] = {}
    for key, value in conn.execute("SELECT key, value FROM settings"):
        try:
            stored[key] = json.loads(value)
        except ValueError:
            continue
    defaults = DesktopSettings()
    clean: dict[str, Any] = {}
    for field in fields(DesktopSettings):
        value = stored.get(field.name, getattr(defaults, field.name))
        if type(value) is type(getattr(defaults, field.name)):
            clean[field.name] = value
    return DesktopSettings(**clean)


def save_settings(conn: sqlite3.Connection, settings: DesktopSettings) -> None:
    """Store every setting (caller commits)."""
    conn.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [(key, json.dumps(value)) for key, value in asdict(settings).items()],
    )


class SettingsRepository:
    """The settings table within the caller's unit of work (a reader() or session())."""

    def __init__(self, session: Session) -> None:
        self._conn = dbapi(session)

    def load(self) -> DesktopSettings:
        """Return the stored settings, defaults for anything missing or unreadable."""
        return load_settings(self._conn)

    def save(self, settings: DesktopSettings) -> None:
        """Store every setting (the unit of work commits)."""
        save_settings(self._conn, settings)
