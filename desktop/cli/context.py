"""What every command needs: the database and the secret store, opened on first use."""

from __future__ import annotations

import re
import sys
from functools import cached_property

from desktop.config import database_path
from desktop.secrets.store import SecretStore
from desktop.storage.database import Database


class Context:
    """Opens the database and the secret store when a command first asks for them."""

    @cached_property
    def secrets(self) -> SecretStore:
        """The secret store UPWATCH_SECRET_STORE asks for (InvalidInput when it names none)."""
        return SecretStore()

    @cached_property
    def db(self) -> Database:
        """The SQLite database (migrated on open; a damaged file is moved aside, said on stderr)."""
        db = Database(database_path())
        if db.moved_aside is not None:
            err(f"upwatch: {db.moved_aside.message}")
        return db

    def close(self) -> None:
        """Release the database."""
        if "db" in self.__dict__:
            self.db.close()


# C0 controls but tab and newline, DEL and C1: in a name or an error text synced from elsewhere
# they could move the cursor, clear the screen or retitle the terminal
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Return text with each terminal control character shown as a \\uXXXX escape (the
    same escape JSON uses, so JSON output keeps its meaning)."""
    return _CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def out(text: str = "") -> None:
    """Print to standard output, control characters escaped."""
    sys.stdout.write(terminal_safe(text) + "\n")


def err(text: str) -> None:
    """Print to standard error, control characters escaped."""
    sys.stderr.write(terminal_safe(text) + "\n")
