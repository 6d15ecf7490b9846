"""Fixtures of the desktop tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.storage.database import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database in the test's directory."""
    database = Database(tmp_path / "upwatch.sqlite3")
    yield database
    database.close()
