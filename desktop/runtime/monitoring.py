"""The monitoring facade: scheduler -> engine -> offline check -> state machine -> writer,
and flips -> alerts. The same service runs headless (`upwatch run`) and under the tray app.

Callers start and stop it, apply changes (`apply`), ask for a check (`check_now`) and
subscribe to its events (`subscribe`); the scheduler and the writer stay inside. A change made
by another process is noticed within CHANGE_POLL_S through a probe that reads nothing until
some other connection committed (storage/config_version.py).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.config import DesktopSettings
from desktop.errors import UpwatchError
from desktop.notify.dispatcher import AlertDispatcher, ChannelTarget, Delivery
from desktop.notify.sender import Sender
from desktop.runtime.config_reader import ConfigSnapshot, read_config
from desktop.runtime.connectivity import Connectivity, has_route
from desktop.runtime.events import (
    Alerted,
    Change,
    Checked,
    ConfigChanged,
    ConfigEdited,
    EventHub,
    Saved,
    SaveFailed,
    SettingsEdited,
    Subscriber,
)
from desktop.runtime.scheduler import Scheduler, SchedulerStats
from desktop.secrets.store import SecretStore
from desktop.storage import config_version
from desktop.storage.database import Database
from desktop.storage.writer import Outcome, ResultWriter
from shared.clock import Clock, SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.messages import flip_message
from shared.monitor import MonitorSpec
from shared.probe import Probe
from shared.state import Flip, MonitorState, Policy, next_state, policy_for
from shared.state_codec import load_state

log = logging.getLogger(__name__)

CHANGE_POLL_S = 0.5  # another process's edit reaches the scheduler within about this
PRUNE_EVERY_S = 3600.0


@dataclass(slots=True)
class _Watched:
    spec: MonitorSpec
    pk: int
    state: MonitorState
    policy: Policy
    targets: list[ChannelTarget]


class Monitoring:
    """Checks every active monitor of a database on schedule until stopped."""

    def __init__(
        self,
        db: Database,
        *,
        secrets: SecretStore | None = None,
        settings: DesktopSettings | None = None,
        clock: Clock | None = None,
        probe: Probe | None = None,
        sender: Sender | None = None,
        route_check: Callable[[], bool] = has_route,
        change_poll_s: float = CHANGE_POLL_S,
    ) -> None:
        self.db = db
        self._settings = settings or DesktopSettings()
        self._secrets = secrets or SecretStore()
        self._clock = clock or SystemClock()
        self._probe = probe or AiohttpProbe()
        self._change_poll_s = change_poll_s
        # scheduler and writer are read by benchmarks and tests (stats, counts); callers
        # change monitoring only through apply(), check_now() and subscribe()
        self.scheduler = Scheduler(
            self._run_one, clock=self._clock, concurrency=self._settings.concurrency
        )
        self._connectivity = Connectivity(
            self._clock, route_check=route_check, woke_until=lambda: self.scheduler.just_woke_until
        )
        self.writer = ResultWriter(
            db.path, linger=self._settings.writer_batch_seconds, on_commit=self._committed
        )
        self._events = EventHub()
        self.writer.error_observers.append(
            lambda message: self._events.publish_threadsafe(SaveFailed(message))
        )
        self.dispatcher = AlertDispatcher(record=self._record_delivery, sender=sender)
        self._watched: dict[uuid.UUID, _Watched] = {}
        self._version = -1  # of the configuration applied; -1 before the first read
        self._reloading = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.secret_warning: str | None = None

    # -- the facade ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load monitors, start the writer, the scheduler, the change watch and housekeeping."""
        loop = self._loop = asyncio.get_running_loop()
        self._events.bind(loop)
        self.writer.start()
        await asyncio.wrap_future(self.writer.run_job(config_version.install))
        watch = await asyncio.to_thread(config_version.ChangeProbe, self.db.path)
        await asyncio.to_thread(watch.poll)  # the baseline: nothing committed since
        await self._reload(elsewhere=False, first=True)
        self._tasks = [
            loop.create_task(self.scheduler.run(), name="scheduler"),
            loop.create_task(self._watch_changes(watch), name="config-watch"),
            loop.create_task(self._housekeeping(), name="prune"),
        ]

    async def stop(self) -> None:
        """Stop scheduling, let running checks and alerts finish, commit everything."""
        if self._loop is None:  # never started
            await self._probe.close()
            return
        self.scheduler.stop()
        for task in self._tasks[1:]:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.dispatcher.drain(within=5.0)
        await asyncio.wrap_future(self.writer.flush())
        self.writer.close()
        await self._probe.close()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call subscriber with every event (on the loop); return the function that stops it."""
        return self._events.subscribe(subscriber)

    async def apply(self, change: Change) -> None:
        """Apply a change made in this process at once (edits stored, settings changed)."""
        match change:
            case ConfigEdited():
                await self._reload(elsewhere=False)
            case SettingsEdited(settings):
                self._apply_settings(settings)

    def check_now(self, monitor_id: uuid.UUID) -> bool:
        """Run a check of one monitor now; False when it is not watched or already running."""
        return self.scheduler.check_now(monitor_id)

    @property
    def settings(self) -> DesktopSettings:
        """The settings in effect."""
        return self._settings

    @property
    def states(self) -> dict[uuid.UUID, MonitorState]:
        """The current state of every watched monitor."""
        return {monitor_id: w.state for monitor_id, w in self._watched.items()}

    @property
    def stats(self) -> SchedulerStats:
        """Checks started and their start lateness."""
        return self.scheduler.stats

    @property
    def saved(self) -> int:
        """Results committed since start."""
        return self.writer.committed

    @property
    def lost(self) -> int:
        """Results given up unsaved after every try failed."""
        return self.writer.dropped

    # -- the pipeline -------------------------------------------------------------------------

    async def _run_one(self, spec: MonitorSpec) -> bool:
        """Check one monitor, record the outcome, alert on a flip; True asks for a re-check."""
        watched = self._watched.get(spec.id)
        if watched is None:
            return False
        result = await run_check(spec, probe=self._probe, clock=self._clock)
        result = self._connectivity.classify(result, spec.host)
        state, flip = next_state(watched.state, result, watched.policy)
        watched.state = state
        self.writer.submit(Outcome(watched.pk, result, state, flip))
        if flip is not None and flip.alerts:
            self._alert(watched, flip)
        self._events.publish(Checked(spec, result, state, flip))
        return state.needs_recheck

    def _alert(self, watched: _Watched, flip: Flip) -> None:
        # people read desktop alerts where they are (the system's zone at that moment)
        message = flip_message(watched.spec, flip, datetime.now(UTC).astimezone().tzinfo)
        log.info("%s: %s", message.title, message.body.replace("\n", " | "))
        self.dispatcher.dispatch(message, str(watched.spec.id), watched.targets)
        self._events.publish(Alerted(watched.spec, message))

    def _committed(self, outcomes: list[Outcome]) -> None:
        # Runs on the writer thread after COMMIT: these results are durable now.
        log.debug("saved %d results (total %d)", len(outcomes), self.writer.committed)
        self._events.publish_threadsafe(Saved(outcomes))

    def _record_delivery(self, delivery: Delivery) -> None:
        self.writer.record_delivery(
            channel_pk=delivery.channel_pk,
            monitor_id=delivery.monitor_id,
            event=delivery.event,
            attempt=delivery.attempt,
            at=delivery.at,
            error=delivery.error,
        )

    # -- configuration ------------------------------------------------------------------------

    def _apply_settings(self, settings: DesktopSettings) -> None:
        if settings.concurrency != self.scheduler.concurrency:
            log.info("checks at once: %d", settings.concurrency)
            self.scheduler.set_concurrency(settings.concurrency)
        self._settings = settings  # retention is read at each prune

    async def _reload(self, *, elsewhere: bool, first: bool = False) -> None:
        async with self._reloading:  # one at a time, so an older read never wins
            snapshot = await asyncio.to_thread(read_config, self.db, self._secrets)
            self._apply_config(snapshot, first=first)
        self._events.publish(ConfigChanged(len(self._watched), elsewhere=elsewhere))

    def _apply_config(self, snapshot: ConfigSnapshot, *, first: bool) -> None:
        self._version = snapshot.version
        if snapshot.secret_warning is not None:
            self.secret_warning = snapshot.secret_warning
        seen: set[uuid.UUID] = set()
        for item in snapshot.monitors:
            spec = item.spec
            seen.add(spec.id)
            watched = self._watched.get(spec.id)
            if watched is None:
                watched = _Watched(spec, item.pk, load_state(item.state), policy_for(spec), [])
                self._watched[spec.id] = watched
            watched.spec, watched.policy, watched.targets = spec, policy_for(spec), item.targets
            # a failure left unconfirmed by the last run is re-checked at once, not a phase later
            self.scheduler.add(spec, check_soon=not first or watched.state.needs_recheck)
        for monitor_id in set(self._watched) - seen:
            del self._watched[monitor_id]
            self.scheduler.remove(monitor_id)

    async def _watch_changes(self, watch: config_version.ChangeProbe) -> None:
        try:
            while True:
                await asyncio.sleep(self._change_poll_s)
                try:
                    version = await asyncio.to_thread(watch.poll)
                    if version is not None and version != self._version:
                        log.info("monitors or channels changed elsewhere; reloading")
                        await self._reload(elsewhere=True)
                except UpwatchError as exc:
                    log.error("could not reload monitors: %s", exc)
        finally:
            watch.close()

    async def _housekeeping(self) -> None:
        while True:
            settings = self._settings  # read each time: the Settings page may change it
            self.writer.prune(
                self._clock.now(),
                raw_days=settings.raw_retention_days,
                hourly_days=settings.hourly_retention_days,
                daily_days=settings.daily_retention_days,
            )
            await asyncio.sleep(PRUNE_EVERY_S)
