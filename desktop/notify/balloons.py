"""Desktop balloons that arrive together become one: "12 monitors are down: Shop, API, …".

Alert channels keep one message per monitor, in full; only the balloons on this screen are
grouped, because a wall of fifty popups (after an import, or when the network of a whole
rack goes) hides the one that matters. The first alert opens a short window; everything that
arrives inside it is shown once, when it closes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from shared.messages import Message

# Long enough to gather what one sweep of checks finds, short enough not to be noticed.
WINDOW_SECONDS = 1.5
NAMES_SHOWN = 5
_BAD = ("down", "reminder", "degraded")
_WORDS = {
    "down": "down",
    "reminder": "still down",
    "degraded": "degraded",
    "up": "up again",
    "test": "tested",
}


@dataclass(frozen=True, slots=True)
class Balloon:
    """One desktop balloon: what it says and whether it warns."""

    title: str
    body: str
    critical: bool
    # the monitors it tells of, bad news first: a click opens the window on the first
    monitor_ids: tuple[uuid.UUID, ...] = field(default=())


def group_balloon(alerts: Sequence[tuple[str, Message]]) -> Balloon:
    """Return the one balloon for alerts, (monitor name, message) pairs that came together:
    the message itself when there is one, else a count by kind with the names."""
    if len(alerts) == 1:
        _, message = alerts[0]
        return Balloon(message.title, message.body, message.event in _BAD)
    by_event: dict[str, list[str]] = {}
    for name, message in alerts:
        by_event.setdefault(message.event, []).append(name)
    critical = any(event in _BAD for event in by_event)
    if len(by_event) == 1:
        [(event, names)] = by_event.items()
        title = f"{len(names)} monitors are {_WORDS.get(event, event)}"
        return Balloon(title, _names(names), critical)
    parts = [f"{len(names)} {_WORDS.get(event, event)}" for event, names in _ordered(by_event)]
    lines = [f"{_WORDS.get(e, e).capitalize()}: {_names(n)}" for e, n in _ordered(by_event)]
    return Balloon(f"{len(alerts)} alerts: " + ", ".join(parts), "\n".join(lines), critical)


def _ordered(by_event: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    # the bad news first
    order = [*_BAD, "up"]
    return sorted(
        by_event.items(), key=lambda item: order.index(item[0]) if item[0] in order else 9
    )


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    rest = len(names) - NAMES_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


class BalloonGrouper:
    """Gathers alerts for WINDOW_SECONDS after the first, then shows them as one balloon.

    Runs on the event loop that calls add().
    """

    def __init__(self, show: Callable[[Balloon], None], window: float = WINDOW_SECONDS) -> None:
        self._show = show
        self._window = window
        self._pending: list[tuple[str, Message]] = []
        self._ids: list[tuple[bool, uuid.UUID]] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, name: str, message: Message, monitor_id: uuid.UUID | None = None) -> None:
        """Queue the alert of monitor name; the balloon comes when the window closes."""
        self._pending.append((name, message))
        if monitor_id is not None:
            self._ids.append((message.event not in _BAD, monitor_id))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._window, self.flush)

    def flush(self) -> None:
        """Show what is gathered now (nothing when nothing is), and close the window."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        ids, self._ids = self._ids, []
        if pending:
            bad_first = tuple(monitor_id for _, monitor_id in sorted(ids, key=lambda i: i[0]))
            self._show(replace(group_balloon(pending), monitor_ids=bad_first))
