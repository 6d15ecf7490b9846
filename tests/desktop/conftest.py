"""Fixtures of the desktop tests."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore
from desktop.storage.database import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database in the test's directory."""
    database = Database(tmp_path / "upwatch.sqlite3")
    yield database
    database.close()


@pytest.fixture
async def running(db: Database) -> AsyncIterator[Monitoring]:
    """The monitoring service on db, not started (the test starts it), stopped afterwards;
    the network always counts as up."""
    monitoring = Monitoring(db, secrets=SecretStore(), route_check=lambda: True)
    yield monitoring
    await monitoring.stop()
