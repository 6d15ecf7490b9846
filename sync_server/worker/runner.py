"""CloudWorker: claims due monitors, checks each at its time, writes outcomes in batches.

One asyncio loop, two PostgreSQL connections (one claims, one writes). Checks run with the
shared engine and state machine through the guarded probe, so the cloud never reaches an
internal address. Stopping finishes the checks under way, writes them, and frees the leases
of monitors not yet started so another worker takes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection

from shared.clock import Clock, SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.netguard import NetGuard
from shared.probe import Probe
from shared.result import Source
from shared.state import next_state, policy_for
from sync_server.worker.claims import Claimed, claim
from sync_server.worker.hosts import HostSlots
from sync_server.worker.schedule import after_check
from sync_server.worker.store import Outcome, write_batch

log = logging.getLogger(__name__)
RELEASE = "UPDATE monitors SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = %s"


def worker_name() -> str:
    """host:pid:random, unique among the workers of one database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How hard a worker works."""

    concurrency: int = 200  # checks in flight at once
    per_host: int = 10  # checks in flight at once to one host, across accounts
    batch: int = 2000  # most monitors held at once (a few seconds of work at full speed)
    ahead_s: float = 2.0  # claim monitors due this soon
    margin_s: float = 30.0  # lease = due time + the monitor's timeout + margin
    claim_every_s: float = 0.5
    flush_every_s: float = 0.25


@dataclass(slots=True)
class WorkerStats:
    """What a worker did (read by tests and bench/worker.py)."""

    started: int = 0
    stored: int = 0
    dropped: int = 0  # outcomes whose lease had been lost
    lateness_s: list[float] = field(default_factory=list)


class Link:
    """One PostgreSQL connection that is made again after the server or the network drops it."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._conn: AsyncConnection[Any] | None = None

    async def get(self) -> AsyncConnection[Any]:
        """The live connection (raises psycopg.OperationalError while the server is away)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = await AsyncConnection.connect(
                self.conninfo, autocommit=True, connect_timeout=5
            )
        return self._conn

    async def close(self) -> None:
        """Close it if open."""
        if self._conn is not None and not self._conn.closed:
            await self._conn.close()


class CloudWorker:
    """Runs cloud checks until stopped."""

    def __init__(
        self,
        conninfo: str,
        *,
        guard: NetGuard,
        options: WorkerOptions | None = None,
        name: str | None = None,
        clock: Clock | None = None,
        probe: Probe | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.options = options or WorkerOptions()
        self.name = name or worker_name()
        self.clock = clock or SystemClock()
        self.probe: Probe = probe or AiohttpProbe(guard=guard)
        self.stats = WorkerStats()
        self._held: set[uuid.UUID] = set()
        self._pending: list[Outcome] = []
        self._checks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._hosts = HostSlots(self.options.per_host)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until stop is set; then finish, write and release."""
        claim_link, write_link = Link(self.conninfo), Link(self.conninfo)
        flusher = asyncio.create_task(self._flush_loop(write_link, stop))
        try:
            while not stop.is_set():
                await self._claim_some(claim_link)
                # jittered, so workers started together do not claim in lockstep
                # (the first to ask would take every monitor that comes due)
                pause = self.options.claim_every_s * random.uniform(0.7, 1.3)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
        finally:
            for task in list(self._checks):
                if not task.done() and task.get_name() == "waiting":
                    task.cancel()
            await asyncio.gather(*self._checks, return_exceptions=True)
            await flusher
            await self._flush(write_link)
            try:
                await (await claim_link.get()).execute(RELEASE, (self.name,))
            except psycopg.OperationalError as exc:  # the leases run out by themselves
                log.warning("could not release leases: %s", exc)
            await claim_link.close()
            await write_link.close()
            await self.probe.close()

    async def _claim_some(self, link: Link) -> None:
        room = self.options.batch - len(self._held)
        if room <= 0:
            return
        try:
            claimed = await claim(
                await link.get(),
                self.name,
                batch=room,
                ahead_s=self.options.ahead_s,
                margin_s=self.options.margin_s,
            )
        except psycopg.OperationalError as exc:
            log.warning("claiming failed, retrying: %s", exc)
            return
        for item in claimed:
            self._held.add(item.spec.id)
            task = asyncio.create_task(self._check(item), name="waiting")
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def _check(self, item: Claimed) -> None:
        delay = (item.due_at - datetime.now(UTC)).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        # the host's slot first: waiting for it must not hold one of the worker's slots
        async with self._hosts.slot(item.spec.url), self._slots:
            task = asyncio.current_task()
            if task is not None:
                task.set_name("checking")
            self.stats.started += 1
            self.stats.lateness_s.append((datetime.now(UTC) - item.due_at).total_seconds())
            result = await run_check(
                item.spec, probe=self.probe, clock=self.clock, source=Source.CLOUD
            )
        state, flip = next_state(item.state, result, policy_for(item.spec))
        # a timer may fire a hair before the grid point: count from the point, not the clock,
        # or the same point would come due again at once
        checked_from = max(result.checked_at, item.due_at)
        next_at = after_check(
            item.spec.id, item.interval_s, checked_from, recheck=state.needs_recheck
        )
        self._pending.append(Outcome(item, result, state, flip, next_at))

    async def _flush_loop(self, link: Link, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.options.flush_every_s)
            await self._flush(link)

    async def _flush(self, link: Link) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            stored = await write_batch(await link.get(), self.name, batch)
        except psycopg.OperationalError as exc:
            log.warning("writing %d outcomes failed, retrying: %s", len(batch), exc)
            self._pending = batch + self._pending
            return
        self.stats.stored += stored
        self.stats.dropped += len(batch) - stored
        for outcome in batch:
            self._held.discard(outcome.claimed.spec.id)
