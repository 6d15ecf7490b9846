"""A damaged database file is moved aside (never deleted) so Upwatch can start fresh."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# SQLite's primary result codes for a damaged file; permissions, locks and a full disk have
# their own codes and are never taken for damage (moving a locked file aside would lose it).
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_COMPANIONS = ("", "-wal", "-shm")


@dataclass(frozen=True, slots=True)
class MovedAside:
    """A damaged database that was moved away, and why."""

    original: Path
    moved_to: Path
    reason: str

    @property
    def message(self) -> str:
        """One line for the user: what happened, where the file is, what comes back."""
        # The account's server and email live in the database (sync_meta) and went with it:
        # the app counts as signed out until the user signs in again. Then the cursors start
        # empty and the next sync pulls every monitor of the account.
        return (
            f"Your Upwatch database was damaged ({self.reason}) and has been moved to"
            f" {self.moved_to}; Upwatch started with a fresh, empty one. If you use Upwatch"
            " Cloud, sign in again: the monitors synced with it come back at the next sync."
            " Monitors and history never synced are only in the moved file."
        )


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Return True when SQLite says the file itself is damaged or not a database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


def move_aside(path: Path, at: datetime, reason: str) -> MovedAside:
    """Rename path and its -wal/-shm to <name>.corrupt-<UTC time>[-n]; return where it went.

    A name already taken (an earlier move in the same second) is never overwritten: the
    next free suffix is used. Raise OSError if the file cannot be renamed.
    """
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    base = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while any(_with_suffix(base, part).exists() for part in _COMPANIONS):
        number += 1
        base = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    # the main file first: once it is gone the next open starts fresh, and its journal files
    # must follow it, or SQLite would replay the old WAL into the new file
    for part in _COMPANIONS:
        source = _with_suffix(path, part)
        if part == "" or source.exists():
            source.rename(_with_suffix(base, part))
    return MovedAside(original=path, moved_to=base, reason=reason)


def _with_suffix(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)
