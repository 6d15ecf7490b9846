"""SyncLoop: keeps a signed-in desktop in step with Upwatch Cloud while the app runs.

It syncs on a period (the polling fallback), at once when kicked (a local change, or the
server announcing one), and after a failure retries with exponential backoff and jitter
so many desktops coming back online do not hit the server together; the change socket
connecting again (the server is back) ends the wait early. Changes queued by another part
or process (`upwatch add` next to a running app) are looked for as soon as Monitoring has
re-read the configuration (`follow`) and after each run, and every CHANGE_POLL_S anyway: a
sign-in made in a terminal queues changes without touching the configuration, so no event
announces it. Signed out, it idles and looks again on the next period; a session the server
ended is reported once, with what to do.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from desktop.cloud.changes import ChangeListener
from desktop.errors import CloudError, NotSignedIn, SessionEnded
from desktop.runtime.events import ConfigChanged, Event, Subscriber
from desktop.services.cloud import CloudService, SyncReport

log = logging.getLogger(__name__)

FIRST_RETRY_S = 5.0
MAX_RETRY_S = 600.0
CHANGE_POLL_S = 2.0
# Monitoring.subscribe: takes a subscriber, returns the function that removes it
Subscribe = Callable[[Subscriber], Callable[[], None]]


def retry_delay(failures: int, rng: random.Random) -> float:
    """Seconds to wait after `failures` failed syncs in a row: 5 s doubling up to 10 min,
    each picked at random between half and all of that ("equal jitter")."""
    ceiling = min(MAX_RETRY_S, FIRST_RETRY_S * 2.0 ** max(0, failures - 1))
    return ceiling / 2 + rng.random() * ceiling / 2


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the tray menu and the account page show."""

    signed_in: bool
    last_sync_at: datetime | None
    pending: int
    error: str | None  # signed out: why the server ended the session (None: never signed in)
    report: SyncReport | None = None


class SyncLoop:
    """Runs CloudService.sync() on a period, on demand, and with backoff after failures."""

    def __init__(
        self,
        cloud: CloudService,
        *,
        period: float = 60.0,
        on_status: Callable[[SyncStatus], None] | None = None,
        rng: random.Random | None = None,
        change_poll: float = CHANGE_POLL_S,
    ) -> None:
        self.cloud = cloud
        self.period = period
        self.on_status = on_status
        self.change_poll = change_poll
        self._rng = rng or random.Random()  # jitter, not security
        self._kick = asyncio.Event()
        self._reconnected = asyncio.Event()
        self.failures = 0
        self.runs = 0
        self.signed_in = True  # as far as we know: the first run tells
        self.syncing = False
        self.listener: ChangeListener | None = None
        self._look = asyncio.Event()  # look for untried changes now
        self._following = False  # told when Monitoring re-reads the configuration

    def kick(self) -> None:
        """Sync as soon as possible (a local change was made, or the server announced one)."""
        self._kick.set()

    def follow(self, subscribe: Subscribe) -> Callable[[], None]:
        """Look for changes to push as soon as Monitoring (subscribe: its `subscribe`) has
        re-read the configuration, not only every change_poll seconds; return the
        unsubscriber."""
        self._following = True
        return subscribe(self._config_changed)

    def _config_changed(self, event: Event) -> None:
        if isinstance(event, ConfigChanged):
            self._look.set()

    async def run(self) -> None:
        """Sync until cancelled; listen to the server's change socket meanwhile."""
        listener = asyncio.create_task(self._listen(), name="change-socket")
        watcher = asyncio.create_task(self._watch_changes(), name="sync-outbox-watch")
        try:
            await self._sync_forever()
        finally:
            listener.cancel()
            watcher.cancel()
            # closing the socket waits for the server's goodbye: not for long when quitting
            await asyncio.wait([listener, watcher], timeout=3.0)

    async def _listen(self) -> None:
        while True:
            server = await asyncio.to_thread(self.cloud.server)
            if server is None:
                await asyncio.sleep(self.period)  # never signed in: look again later
                continue
            self.listener = ChangeListener(
                server, self.cloud.socket_token, self.kick, on_ready=self._reconnected.set
            )
            await self.listener.run()

    async def _watch_changes(self) -> None:
        """Kick when a change waits that no push has tried: made by another part or process
        since the last sync, or while it ran. Not while signed out or backing off."""
        signed_out_as: str | None = None
        while True:
            await _wait_for(self._look, self.change_poll)
            self._look.clear()  # before reading: a change from now on looks again
            if self.failures or self.syncing or self._kick.is_set():
                continue
            if not self.signed_in:
                # `upwatch login` in a terminal: sync now, not on the next period
                account = await asyncio.to_thread(self.cloud.account)
                if account is not None and account != signed_out_as:
                    self.kick()
                signed_out_as = account
            elif await asyncio.to_thread(self.cloud.untried):
                self.kick()

    async def _sync_forever(self) -> None:
        while True:
            self._reconnected.clear()
            delay = await self.run_once()
            if self.failures:
                # backing off: kicks wait too, but not the server coming back
                await _wait_for(self._reconnected, delay)
            else:
                await _wait_for(self._kick, delay)
            self._kick.clear()

    async def run_once(self) -> float:
        """Sync once, report the status; return the seconds to wait before the next run."""
        self.runs += 1
        self.syncing = True
        try:
            report = await self.cloud.sync()
        except NotSignedIn as exc:
            self.failures = 0
            self.signed_in = False
            await self._report(False, exc.message if isinstance(exc, SessionEnded) else None, None)
            return self.period
        except CloudError as exc:
            self.signed_in = True
            self.failures += 1
            delay = retry_delay(self.failures, self._rng)
            # a warning once per run of failures: `upwatch run` prints the status line too
            level = logging.WARNING if self.failures == 1 else logging.INFO
            log.log(level, "sync failed (%s); retrying in %.0f s", exc.message, delay)
            await self._report(True, exc.message, None)
            return delay
        except Exception as exc:  # a bug must not end sync until the app restarts
            log.exception("sync failed unexpectedly")
            self.failures += 1
            await self._report(True, f"sync failed unexpectedly: {exc!r}", None)
            return retry_delay(self.failures, self._rng)
        finally:
            self.syncing = False
            if self._following:
                self._look.set()  # a change made while it ran announced itself too early
        self.signed_in = True
        self.failures = 0
        await self._report(True, None, report)
        return self.period

    async def _report(self, signed_in: bool, error: str | None, report: SyncReport | None) -> None:
        if self.on_status is None:
            return
        # SQLite reads: in a worker thread, never on the (Qt) loop
        status = await asyncio.to_thread(self.cloud.status)
        last = status.get("last_sync_at")
        self.on_status(
            SyncStatus(
                signed_in=signed_in,
                last_sync_at=datetime.fromisoformat(str(last)) if last else None,
                pending=int(status.get("pending") or 0),
                error=error,
                report=report,
            )
        )


async def _wait_for(event: asyncio.Event, seconds: float) -> None:
    """Wait until event is set or the seconds pass."""
    # not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that arrives as the
    # event is set, and then the loop would not stop when the app quits
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
