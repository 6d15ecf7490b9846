"""Where the desktop keeps its files, and its typed settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

from desktop.errors import InvalidInput

APP_NAME = "upwatch"
DB_FILE = "upwatch.sqlite3"


def data_dir() -> Path:
    """Return the data directory: $UPWATCH_HOME, else the platform's user data dir."""
    override = os.environ.get("UPWATCH_HOME")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    """Return the path of the SQLite file."""
    return data_dir() / DB_FILE


# The settings a user changes on the Settings page, with the range each accepts (an int) or
# None (a bool); the others are fixed, kept here so every part reads one model.
EDITABLE: dict[str, tuple[int, int] | None] = {
    "desktop_notifications": None,
    "raw_retention_days": (1, 3650),
    "concurrency": (1, 1000),
}


@dataclass(frozen=True, slots=True)
class DesktopSettings:
    """Every desktop setting: what the Settings page changes and how the runner behaves.

    The running app applies a change at once (checks at once, history kept, notifications).
    """

    desktop_notifications: bool = True
    raw_retention_days: int = 30
    concurrency: int = 64
    hourly_retention_days: int = 90
    daily_retention_days: int = 730
    writer_batch_seconds: float = 0.25

    def changed(self, **changes: object) -> DesktopSettings:
        """Return these settings with changes; raise InvalidInput naming a bad one."""
        for key, value in changes.items():
            if key not in EDITABLE:
                raise InvalidInput(f"unknown setting {key!r}")
            limits = EDITABLE[key]
            label = key.replace("_", " ")
            if limits is None:
                if not isinstance(value, bool):
                    raise InvalidInput(f"{label} must be true or false")
                continue
            low, high = limits
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(f"{label} must be between {low} and {high}")
        return replace(self, **changes)  # type: ignore[arg-type]

    def editable(self) -> dict[str, bool | int]:
        """Return the settings a user changes (the ones stored), by name."""
        return {key: getattr(self, key) for key in EDITABLE}
