"""AlertDispatcher: delivers messages to channels on the event loop, retrying with backoff.

Deliveries run as their own tasks: a slow or failing channel never delays a check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.notify.errors import NotifyError
from desktop.notify.sender import AppriseSender, Sender
from shared.messages import Message

log = logging.getLogger(__name__)

RETRY_DELAYS_S: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0)


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    """Where to deliver: the channel's pk, its name, and its Apprise URL (from the keyring)."""

    channel_pk: int
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt's outcome, handed to the recorder."""

    channel_pk: int
    monitor_id: str
    event: str
    attempt: int
    at: datetime
    ok: bool
    error: str | None = None


Recorder = Callable[[Delivery], None]


class AlertDispatcher:
    """Sends each message to each channel, retrying failures with backoff."""

    def __init__(
        self,
        *,
        record: Recorder,
        sender: Sender | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        self._record = record
        self._sender = sender or AppriseSender()
        self._delays = tuple(retry_delays)
        self._tasks: set[asyncio.Task[bool]] = set()

    def dispatch(self, message: Message, monitor_id: str, targets: Sequence[ChannelTarget]) -> None:
        """Start delivering message to every target (returns at once)."""
        for target in targets:
            task = asyncio.ensure_future(self.deliver(message, monitor_id, target))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def deliver(self, message: Message, monitor_id: str, target: ChannelTarget) -> bool:
        """Deliver with retries; return True once delivered, False when given up."""
        attempts = len(self._delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                await self._sender.send(
                    target.url, message.title, message.body, event=message.event
                )
            except NotifyError as exc:
                self._note(target, monitor_id, message, attempt, exc.message)
                if exc.permanent or attempt == attempts:
                    log.warning("giving up on channel %s: %s", target.name, exc.message)
                    return False
                await asyncio.sleep(self._delays[attempt - 1])
                continue
            except Exception as exc:  # an Apprise plugin bug must not kill the dispatcher
                log.exception("channel %s failed unexpectedly", target.name)
                self._note(target, monitor_id, message, attempt, f"unexpected error: {exc}")
                return False
            self._note(target, monitor_id, message, attempt, None)
            return True
        return False

    def _note(
        self,
        target: ChannelTarget,
        monitor_id: str,
        message: Message,
        attempt: int,
        error: str | None,
    ) -> None:
        delivery = Delivery(
            channel_pk=target.channel_pk,
            monitor_id=monitor_id,
            event=message.event,
            attempt=attempt,
            at=datetime.now(UTC),
            ok=error is None,
            error=error,
        )
        try:
            self._record(delivery)
        except Exception:  # recording is best effort; delivery matters more
            log.exception("could not record a delivery")

    @property
    def pending(self) -> int:
        """Deliveries still in progress (including those waiting to retry)."""
        return len(self._tasks)

    async def drain(self, within: float) -> None:
        """Wait up to `within` seconds for deliveries in progress, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
