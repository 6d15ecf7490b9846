"""What every command needs: the database and the secret store, opened on first use."""

from __future__ import annotations

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


def out(text: str = "") -> None:
    """Print to standard output."""
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    """Print to standard error."""
    sys.stderr.write(text + "\n")
