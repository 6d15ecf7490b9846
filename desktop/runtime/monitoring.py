"""The monitoring service: scheduler -> engine -> offline check -> state machine -> writer,
and flips -> alerts. The same service runs headless (`upwatch run`) and under the tray app."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from desktop.config import RuntimeSettings
from desktop.errors import UpwatchError
from desktop.notify.dispatcher import AlertDispatcher, ChannelTarget, Delivery
from desktop.notify.sender import Sender
from desktop.runtime.connectivity import Connectivity, has_route
from desktop.runtime.scheduler import Scheduler
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.storage.channel_sync import SYNCED
from desktop.storage.channels import ChannelRepository, record_delivery
from desktop.storage.database import Database
from desktop.storage.history import prune
from desktop.storage.monitors import MonitorRepository, to_spec
from desktop.storage.writer import Outcome, ResultWriter
from shared.clock import Clock, SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.messages import Message, flip_message
from shared.monitor import MonitorSpec
from shared.probe import Probe
from shared.result import CheckResult
from shared.state import Flip, MonitorState, Policy, next_state, policy_for
from shared.state_codec import load_state

log = logging.getLogger(__name__)

RELOAD_EVERY_S = 3.0
PRUNE_EVERY_S = 3600.0

ResultObserver = Callable[[MonitorSpec, CheckResult, MonitorState, Flip | None], None]
CommitObserver = Callable[[list[Outcome]], None]
AlertObserver = Callable[[MonitorSpec, Message], None]

_SIGNATURE = text(
    "SELECT (SELECT count(*) || ':' || total(pk) || ':' || coalesce(max(updated_at), '')"
    " FROM monitors) || '|' || (SELECT count(*) || ':' || coalesce(max(updated_at), '')"
    " FROM alert_channels) || '|' || (SELECT count(*) FROM monitor_channels)"
    # where channels live and which monitors the cloud checks decide who alerts
    " || '|' || (SELECT count(*) FROM alert_channels WHERE cloud = 'synced')"
    " || '|' || (SELECT count(*) || ':' || total(pk) FROM monitors WHERE cloud)"
)


@dataclass(frozen=True, slots=True)
class _Config:
    pk: int
    spec: MonitorSpec
    state: str | None
    targets: list[ChannelTarget]


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
        settings: RuntimeSettings | None = None,
        clock: Clock | None = None,
        probe: Probe | None = None,
        sender: Sender | None = None,
        route_check: Callable[[], bool] = has_route,
    ) -> None:
        self.db = db
        self.settings = settings or RuntimeSettings()
        self._secrets = secrets or SecretStore()
        self._clock = clock or SystemClock()
        self._probe = probe or AiohttpProbe()
        self.scheduler = Scheduler(
            self.run_one, clock=self._clock, concurrency=self.settings.concurrency
        )
        self._connectivity = Connectivity(
            self._clock, route_check=route_check, woke_until=lambda: self.scheduler.just_woke_until
        )
        self.writer = ResultWriter(
            db.path, linger=self.settings.writer_batch_seconds, on_commit=self._committed
        )
        self.dispatcher = AlertDispatcher(record=self._record_delivery, sender=sender)
        self._watched: dict[uuid.UUID, _Watched] = {}
        self._signature = ""
        self._loaded = False
        self._tasks: list[asyncio.Task[None]] = []
        self.result_observers: list[ResultObserver] = []
        self.alert_observers: list[AlertObserver] = []
        self.commit_observers: list[CommitObserver] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.secret_warning: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Load monitors, start the writer, the scheduler and housekeeping."""
        loop = self._loop = asyncio.get_running_loop()
        self.writer.start()
        self.reload()
        self._tasks = [
            loop.create_task(self.scheduler.run(), name="scheduler"),
            loop.create_task(self._watch_changes(), name="reload"),
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

    # -- the pipeline -------------------------------------------------------------------------

    async def run_one(self, spec: MonitorSpec) -> bool:
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
        for observer in self.result_observers:
            observer(spec, result, state, flip)
        return state.needs_recheck

    def _alert(self, watched: _Watched, flip: Flip) -> None:
        message = flip_message(watched.spec, flip)
        log.info("%s: %s", message.title, message.body.replace("\n", " | "))
        self.dispatcher.dispatch(message, str(watched.spec.id), watched.targets)
        for observer in self.alert_observers:
            observer(watched.spec, message)

    def _committed(self, outcomes: list[Outcome]) -> None:
        # Runs on the writer thread after COMMIT: these results are durable now.
        log.debug("saved %d results (total %d)", len(outcomes), self.writer.committed)
        if self.commit_observers and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._notify_commit, outcomes)

    def _notify_commit(self, outcomes: list[Outcome]) -> None:
        for observer in self.commit_observers:
            observer(outcomes)

    def _record_delivery(self, delivery: Delivery) -> None:
        self.writer.run_job(
            lambda conn: record_delivery(
                conn,
                channel_pk=delivery.channel_pk,
                monitor_id=delivery.monitor_id,
                event=delivery.event,
                attempt=delivery.attempt,
                at=delivery.at.isoformat(),
                error=delivery.error,
            )
        )

    # -- configuration from the database ------------------------------------------------------

    def reload(self) -> None:
        """Re-read monitors and channels; schedule new ones, update changed, drop removed."""
        self._apply(self._read_config())

    async def reload_async(self) -> None:
        """reload(), with the database and keyring reads off the event loop."""
        self._apply(await asyncio.to_thread(self._read_config))

    def _read_config(self) -> tuple[str, list[_Config]]:
        with self.db.reader() as session:
            signature = str(session.connection().execute(_SIGNATURE).scalar_one())
            channels = ChannelRepository(session)
            urls: dict[str, str | None] = {}  # one keyring read per channel, not per link
            configs = [
                _Config(
                    row.pk,
                    to_spec(row),
                    row.state,
                    self._targets(channels, row.pk, urls, cloud_checked=row.cloud),
                )
                for row in MonitorRepository(session).list_active()
                if row.pk is not None
            ]
        return signature, configs

    def _apply(self, config: tuple[str, list[_Config]]) -> None:
        first_load = not self._loaded
        self._loaded = True
        self._signature, configs = config
        seen: set[uuid.UUID] = set()
        for item in configs:
            spec = item.spec
            seen.add(spec.id)
            watched = self._watched.get(spec.id)
            if watched is None:
                watched = _Watched(spec, item.pk, load_state(item.state), policy_for(spec), [])
                self._watched[spec.id] = watched
            watched.spec, watched.policy, watched.targets = spec, policy_for(spec), item.targets
            # a failure left unconfirmed by the last run is re-checked at once, not a phase later
            self.scheduler.add(spec, check_soon=not first_load or watched.state.needs_recheck)
        for monitor_id in set(self._watched) - seen:
            del self._watched[monitor_id]
            self.scheduler.remove(monitor_id)

    def _targets(
        self,
        channels: ChannelRepository,
        monitor_pk: int,
        urls: dict[str, str | None],
        *,
        cloud_checked: bool,
    ) -> list[ChannelTarget]:
        targets: list[ChannelTarget] = []
        for channel in channels.for_monitor(monitor_pk):
            assert channel.pk is not None
            if cloud_checked and channel.cloud == SYNCED:
                continue  # the cloud alerts through it: one alert per outage
            if channel.id not in urls:
                try:
                    urls[channel.id] = self._secrets.get(channel_secret_key(channel.id))
                except UpwatchError as exc:
                    self.secret_warning = exc.message
                    urls[channel.id] = None
            url = urls[channel.id]
            if url:
                targets.append(ChannelTarget(channel.pk, channel.name, url))
        return targets

    def _changed(self) -> bool:
        with self.db.reader() as session:
            signature = str(session.connection().execute(_SIGNATURE).scalar_one())
        return signature != self._signature

    async def _watch_changes(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_EVERY_S)
            try:
                if await asyncio.to_thread(self._changed):
                    log.info("monitors or channels changed; reloading")
                    await self.reload_async()
            except UpwatchError as exc:
                log.error("could not reload monitors: %s", exc.message)

    async def _housekeeping(self) -> None:
        clock = self._clock

        def prune_now(conn: sqlite3.Connection) -> int:
            settings = self.settings  # read each time: the Settings page may change it
            return prune(
                conn,
                clock.now(),
                raw_days=settings.raw_retention_days,
                hourly_days=settings.hourly_retention_days,
                daily_days=settings.daily_retention_days,
            )

        while True:
            self.writer.run_job(prune_now)
            await asyncio.sleep(PRUNE_EVERY_S)

    @property
    def states(self) -> dict[uuid.UUID, MonitorState]:
        """The current state of every watched monitor."""
        return {monitor_id: w.state for monitor_id, w in self._watched.items()}
