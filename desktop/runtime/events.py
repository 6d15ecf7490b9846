"""What Monitoring tells its subscribers, and the changes it is asked to apply.

Subscribers get every event on the event loop's thread, in order, and pick the kinds they
want with `match` or `isinstance`; none of them sees the scheduler or the writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktop.config import DesktopSettings
from desktop.storage.writer import Outcome
from shared.messages import Message
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import Flip, MonitorState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Checked:
    """A check finished; its outcome is queued for saving."""

    spec: MonitorSpec
    result: CheckResult
    state: MonitorState
    flip: Flip | None


@dataclass(frozen=True, slots=True)
class Alerted:
    """A flip alerts: the message went to the monitor's channels."""

    spec: MonitorSpec
    message: Message


@dataclass(frozen=True, slots=True)
class Saved:
    """These outcomes are committed (durable)."""

    outcomes: list[Outcome]


@dataclass(frozen=True, slots=True)
class SaveFailed:
    """Saving results failed (it is retried, or the results were given up): why."""

    message: str


@dataclass(frozen=True, slots=True)
class ConfigChanged:
    """The monitors or channels being checked were re-read: `monitors` are watched now.

    elsewhere: the change was found in the database (another process, or a sync), not
    applied here through Monitoring.apply().
    """

    monitors: int
    elsewhere: bool


Event = Checked | Alerted | Saved | SaveFailed | ConfigChanged
Subscriber = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class ConfigEdited:
    """Monitors, channels or their links were stored here: check what is stored now."""


@dataclass(frozen=True, slots=True)
class SettingsEdited:
    """The desktop settings changed: apply them to the running service."""

    settings: DesktopSettings


Change = ConfigEdited | SettingsEdited


class EventHub:
    """Delivers events to subscribers; publish_threadsafe hops from another thread first."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver events published from other threads on this loop."""
        self._loop = loop

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; return the function that removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        """Call every subscriber now (on the loop's thread); one failing stops no other."""
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a view's bug must not stop checking
                log.exception("event subscriber failed on %s", type(event).__name__)

    def publish_threadsafe(self, event: Event) -> None:
        """publish() on the loop, from any thread; dropped before start or after the loop closed."""
        loop = self._loop
        if self._subscribers and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.publish, event)
