"""Where the desktop keeps its files, and its typed settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

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


@dataclass(frozen=True, slots=True)
class RuntimeSettings:
    """How the local runner behaves."""

    concurrency: int = 64
    raw_retention_days: int = 30
    hourly_retention_days: int = 90
    daily_retention_days: int = 730
    writer_batch_seconds: float = 0.25
