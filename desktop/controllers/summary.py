"""What the tray and the window header say about all monitors at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.status import Status, worst
from shared.tags import Tag, tag_key

_ORDER = (Status.UP, Status.DEGRADED, Status.DOWN, Status.UNKNOWN, Status.PAUSED)


def tray_summary(statuses: Iterable[Status]) -> tuple[Status, str]:
    """Return the worst status and a line such as "12 up · 1 down"."""
    counts = Counter(statuses)
    if not counts:
        return Status.UNKNOWN, "No monitors yet"
    worst_active = (
        worst([s for s in counts if s != Status.PAUSED])
        if any(s != Status.PAUSED for s in counts)
        else Status.PAUSED
    )
    text = " · ".join(f"{counts[s]} {s.value}" for s in _ORDER if counts[s])
    return worst_active, text


@dataclass(frozen=True, slots=True)
class TagGroup:
    """The monitors that carry one tag (or none: key ""), and what they add up to."""

    key: str  # tag_key of the name; "" for the monitors without a tag
    name: str
    color: str | None
    members: tuple[int, ...]  # indexes into the rows given, in their order
    status: Status  # the worst of them (paused ones only when all are)
    text: str  # "2 down · 10 up"


UNTAGGED = "No tag"


def tag_groups(tags_and_statuses: Sequence[tuple[Sequence[Tag], Status]]) -> list[TagGroup]:
    """Return one group per tag, by name, then the monitors without a tag; a monitor with
    two tags is in both groups."""
    members: dict[str, list[int]] = {}
    first: dict[str, Tag] = {}
    untagged: list[int] = []
    for index, (tags, _status) in enumerate(tags_and_statuses):
        if not tags:
            untagged.append(index)
        for tag in tags:
            key = tag_key(tag["name"])
            members.setdefault(key, []).append(index)
            first.setdefault(key, tag)

    def group(key: str, name: str, color: str | None, indexes: list[int]) -> TagGroup:
        status, text = tray_summary(tags_and_statuses[i][1] for i in indexes)
        return TagGroup(key, name, color, tuple(indexes), status, text)

    groups = [group(k, first[k]["name"], first[k]["color"], members[k]) for k in sorted(members)]
    if untagged:
        groups.append(group("", UNTAGGED, None, untagged))
    return groups
