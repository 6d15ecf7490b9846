"""Tags across monitors: each name has one colour on this computer, renamed, recoloured or
removed everywhere at once. Within the caller's unit of work; flushes, never commits."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from desktop.errors import InvalidInput
from desktop.storage.tables import MonitorRow, OutboxRow
from shared.monitor import MonitorSpec
from shared.tags import Tag, check_tags, tag_key


@dataclass(frozen=True, slots=True)
class TagUse:
    """A tag as the monitors carry it, and on how many."""

    name: str
    color: str
    monitors: int


def _rows_tags(rows: Iterable[MonitorRow]) -> Iterable[dict[str, str]]:
    for row in rows:
        yield from row.tags


class TagColours:
    """The colour each tag name has on the monitors of one unit of work (read once)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._colours: dict[str, str] | None = None

    def _known(self) -> dict[str, str]:
        if self._colours is None:
            self._colours = {}
            for tags in self._session.exec(select(MonitorRow.tags)):
                for tag in tags:
                    self._colours.setdefault(tag_key(tag["name"]), tag["color"])
        return self._colours

    def settle_tags(self, tags: Iterable[Tag]) -> list[Tag]:
        """Return tags each in the colour that name already has here; a new name keeps its
        own colour and from now on gives it to the others."""
        known = self._known()
        return [
            {"name": tag["name"], "color": known.setdefault(tag_key(tag["name"]), tag["color"])}
            for tag in tags
        ]

    def settle(self, spec: MonitorSpec) -> MonitorSpec:
        """Return spec with its tags settled (see settle_tags)."""
        tags = self.settle_tags(spec.tags)
        return spec if tags == spec.tags else spec.model_copy(update={"tags": tags})


class TagRepository:
    """Tag changes that touch every monitor carrying the tag, each queued for the cloud."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def uses(self) -> list[TagUse]:
        """Return every tag with its colour and its number of monitors, by name."""
        rows = self.session.exec(select(MonitorRow))
        counts: Counter[str] = Counter()
        first: dict[str, dict[str, str]] = {}
        for tag in _rows_tags(rows):
            key = tag_key(tag["name"])
            counts[key] += 1
            first.setdefault(key, tag)
        return sorted(
            (TagUse(first[k]["name"], first[k]["color"], n) for k, n in counts.items()),
            key=lambda use: tag_key(use.name),
        )

    def _carrying(self, name: str) -> list[MonitorRow]:
        key = tag_key(name)
        rows = self.session.exec(select(MonitorRow).order_by(col(MonitorRow.pk)))
        return [row for row in rows if any(tag_key(t["name"]) == key for t in row.tags)]

    def _store(self, row: MonitorRow, tags: list[dict[str, str]]) -> None:
        row.tags, row.updated_at = tags, datetime.now(UTC)
        self.session.add(row)
        entry = OutboxRow(kind="monitor", id=row.id, updated_at=row.updated_at, deleted=False)
        self.session.merge(entry)

    def recolour(self, name: str, colour: str) -> int:
        """Give the tag name this colour on every monitor; return how many changed; raise
        InvalidInput for a colour that is not #rrggbb."""
        [checked] = _checked([{"name": name, "color": colour}])
        key, changed = tag_key(name), 0
        for row in self._carrying(name):
            tags = [
                {**t, "color": checked["color"]} if tag_key(t["name"]) == key else t
                for t in row.tags
            ]
            if tags != row.tags:
                self._store(row, tags)
                changed += 1
        self.session.flush()
        return changed

    def rename(self, name: str, new_name: str) -> int:
        """Call the tag name new_name on every monitor (merged with a tag of that name it may
        already carry); return how many changed; raise InvalidInput for a bad name."""
        key = tag_key(name)
        rows = self._carrying(name)
        for row in rows:
            renamed = [
                {"name": new_name, "color": t["color"]} if tag_key(t["name"]) == key else t
                for t in row.tags
            ]
            self._store(row, _plain(_checked(renamed)))
        self.session.flush()
        return len(rows)

    def remove(self, name: str) -> int:
        """Take the tag name off every monitor; return how many changed."""
        key = tag_key(name)
        rows = self._carrying(name)
        for row in rows:
            self._store(row, [t for t in row.tags if tag_key(t["name"]) != key])
        self.session.flush()
        return len(rows)

    def retag(self, ids: Sequence[uuid.UUID], add: Sequence[str], take_off: Sequence[str]) -> int:
        """Add the tags add to and take the tags take_off off the monitors ids; return how
        many changed; raise InvalidInput for a bad name or too many tags."""
        colours = TagColours(self.session)
        off = {tag_key(name) for name in take_off}
        wanted = {str(monitor_id) for monitor_id in ids}
        changed = 0
        for row in self.session.exec(select(MonitorRow).where(col(MonitorRow.id).in_(wanted))):
            kept: list[dict[str, str]] = [t for t in row.tags if tag_key(t["name"]) not in off]
            new = _plain(colours.settle_tags(_checked([*kept, *add])))
            if new != row.tags:
                self._store(row, new)
                changed += 1
        self.session.flush()
        return changed


def _plain(tags: Iterable[Tag]) -> list[dict[str, str]]:
    """Return tags as the JSON column holds them."""
    return [{"name": tag["name"], "color": tag["color"]} for tag in tags]


def _checked(tags: Sequence[object]) -> list[Tag]:
    """Return the tags as a monitor may carry them; raise InvalidInput naming the problem."""
    try:
        return check_tags(tags)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
