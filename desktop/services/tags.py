"""Tag use cases: tag many monitors at once, and recolour, rename or delete a tag everywhere."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from desktop.storage.database import Database
from desktop.storage.tags import TagRepository, TagUse


class TagService:
    """Changes tags across monitors, in one unit of work each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def uses(self) -> list[TagUse]:
        """Return every tag with its colour and how many monitors carry it, by name."""
        with self.db.reader() as session:
            return TagRepository(session).uses()

    def retag(self, ids: Sequence[uuid.UUID], add: Sequence[str], take_off: Sequence[str]) -> int:
        """Add and take off tags on the monitors ids; return how many changed; raise
        InvalidInput (nothing saved) for a bad name or more tags than a monitor may carry."""
        with self.db.session() as session:
            return TagRepository(session).retag(ids, add, take_off)

    def recolour(self, name: str, colour: str) -> int:
        """Give a tag a colour on every monitor; return how many changed; raise InvalidInput."""
        with self.db.session() as session:
            return TagRepository(session).recolour(name, colour)

    def rename(self, name: str, new_name: str) -> int:
        """Rename a tag on every monitor; return how many changed; raise InvalidInput."""
        with self.db.session() as session:
            return TagRepository(session).rename(name, new_name)

    def remove(self, name: str) -> int:
        """Take a tag off every monitor; return how many changed."""
        with self.db.session() as session:
            return TagRepository(session).remove(name)
