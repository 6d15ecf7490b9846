"""Fixed-rate scheduler: spread phases, bounded concurrency, one check per monitor at a time.

Each monitor sits on a grid (phase + k * interval) of monotonic time. A check starts at its
grid point; the next one is the next grid point, whatever the response time. When the loop
finds itself far behind (the machine slept, the clock jumped, the process was stopped), it
re-plans: every monitor restarts on its phase within one interval, so nothing bursts.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from desktop.runtime.limit import Limit
from shared.clock import Clock
from shared.monitor import MonitorSpec

log = logging.getLogger(__name__)

GOLDEN = (math.sqrt(5) - 1) / 2
MAX_SLEEP_S = 1.0  # wake at least once a second to notice clock jumps
JUMP_S = 5.0  # a wall/monotonic disagreement or a stall longer than this means we slept
MIN_GAP_S = 0.002  # two checks of one monitor never start in the same millisecond
# Starts at most once per tick: waking an idle loop costs ~0.1 ms of CPU on small VMs, more
# than a check's own Python work, so busy schedules start what is due in batches. A start is
# at most TICK_S late, and only when another batch started less than TICK_S before.
TICK_S = 0.25

RunOne = Callable[[MonitorSpec], Awaitable[bool]]
"""Runs a check; returns True when the state machine wants a quick re-check."""


@dataclass(slots=True)
class _Entry:
    spec: MonitorSpec
    phase: float  # fraction of the interval, in [0, 1)
    grid_due: float
    next_due: float
    generation: int = 0
    running: bool = False
    last_start: float = -math.inf


@dataclass(slots=True)
class SchedulerStats:
    """Start lateness samples (seconds) and counts, for the UI and the benchmark."""

    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    started: int = 0
    skipped_busy: int = 0
    replans: int = 0
    start_times: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))


class Scheduler:
    """Runs run_one(spec) for every monitor on its fixed-rate grid until stop()."""

    def __init__(self, run_one: RunOne, *, clock: Clock, concurrency: int = 64) -> None:
        self._run_one = run_one
        self._clock = clock
        self._limit = Limit(concurrency)
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._heap: list[tuple[float, int, uuid.UUID, int]] = []
        self._counter = 0
        self._ordinal = 0
        self._wakeup = asyncio.Event()
        self._wake_at = -math.inf  # when run() will next wake by itself
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = SchedulerStats()
        self.just_woke_until = -math.inf  # monotonic time until which a wake grace applies

    # -- plan -------------------------------------------------------------------------------

    def add(self, spec: MonitorSpec, *, check_soon: bool = False) -> None:
        """Start scheduling spec (or replace its spec, keeping its phase).

        check_soon runs a new monitor's first check at once (one the user just added or
        resumed) before it joins its phase grid; monitors loaded at start wait for their phase
        so a thousand of them do not fire together.
        """
        now = self._clock.monotonic()
        entry = self._entries.get(spec.id)
        if entry is not None:
            interval_changed = entry.spec.interval != spec.interval
            entry.spec = spec
            if interval_changed:
                self._place(entry, now)
            return
        phase = (self._ordinal * GOLDEN) % 1.0
        self._ordinal += 1
        entry = _Entry(spec=spec, phase=phase, grid_due=now, next_due=now)
        self._entries[spec.id] = entry
        self._place(entry, now)
        if check_soon:
            self._push(entry, now)

    def remove(self, monitor_id: uuid.UUID) -> None:
        """Stop scheduling a monitor (a running check finishes)."""
        self._entries.pop(monitor_id, None)

    def check_now(self, monitor_id: uuid.UUID) -> bool:
        """Run a monitor as soon as possible; False when unknown or already running."""
        entry = self._entries.get(monitor_id)
        if entry is None or entry.running:
            return False
        self._push(entry, self._clock.monotonic())
        return True

    def _place(self, entry: _Entry, now: float) -> None:
        interval = entry.spec.interval
        first = now + entry.phase * interval
        entry.grid_due = first
        self._push(entry, first)

    def _push(self, entry: _Entry, due: float) -> None:
        entry.generation += 1
        entry.next_due = due
        self._counter += 1
        heapq.heappush(self._heap, (due, self._counter, entry.spec.id, entry.generation))
        if due < self._wake_at:  # a finished check's next start is usually far off: no wake
            self._wakeup.set()

    def replan(self) -> None:
        """Spread every monitor over one interval from now (after a sleep or clock jump)."""
        now = self._clock.monotonic()
        self.stats.replans += 1
        for entry in self._entries.values():
            self._place(entry, now)

    @property
    def concurrency(self) -> int:
        """How many checks may run at once."""
        return self._limit.size

    def set_concurrency(self, concurrency: int) -> None:
        """Change how many checks may run at once, for waiting and later checks alike."""
        self._limit.resize(concurrency)

    @property
    def monitor_count(self) -> int:
        """How many monitors are scheduled."""
        return len(self._entries)

    # -- run --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Start checks as they fall due until stop() is called."""
        clock = self._clock
        last_mono, last_wall = clock.monotonic(), clock.now().timestamp()
        planned_sleep = 0.0
        last_batch = -math.inf
        while not self._stopping:
            now = clock.monotonic()
            wall = clock.now().timestamp()
            drift = abs((wall - last_wall) - (now - last_mono))
            stalled = (now - last_mono) - planned_sleep
            if drift > JUMP_S or stalled > JUMP_S:
                log.info("clock jump or sleep detected (%.0f s); re-planning", max(drift, stalled))
                self.just_woke_until = now + 30.0
                self.replan()
            last_mono, last_wall = now, wall
            if self._start_due(now):
                last_batch = now
            delay = MAX_SLEEP_S
            while self._heap and not self._is_live(self._heap[0]):
                heapq.heappop(self._heap)
            if self._heap:
                next_batch = max(self._heap[0][0], last_batch + TICK_S)
                delay = min(MAX_SLEEP_S, max(0.0, next_batch - now))
            planned_sleep = delay
            self._wake_at = now + delay
            self._wakeup.clear()
            sleeper = asyncio.ensure_future(clock.sleep(delay))
            waker = asyncio.ensure_future(self._wakeup.wait())
            _, pending = await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            for waiter in pending:
                waiter.cancel()
            # let the cancelled waiter finish now, not after the loop may have closed
            await asyncio.gather(*pending, return_exceptions=True)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop(self) -> None:
        """Ask run() to return once running checks finish."""
        self._stopping = True
        self._wakeup.set()

    def _is_live(self, item: tuple[float, int, uuid.UUID, int]) -> bool:
        entry = self._entries.get(item[2])
        return entry is not None and entry.generation == item[3]

    def _start_due(self, now: float) -> int:
        started = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, monitor_id, generation = heapq.heappop(heap)
            entry = self._entries.get(monitor_id)
            if entry is None or entry.generation != generation:
                continue
            if entry.running:
                self.stats.skipped_busy += 1
                continue  # the finishing check schedules the next one
            if now - entry.last_start < MIN_GAP_S:
                self._push(entry, entry.last_start + MIN_GAP_S)
                continue
            entry.running = True
            entry.last_start = now
            # Advance the grid past now: missed points are skipped, never made up in a burst.
            interval = entry.spec.interval
            if due >= entry.grid_due:
                entry.grid_due += interval * max(1, math.ceil((now - entry.grid_due) / interval))
                if entry.grid_due <= now:
                    entry.grid_due += interval
            task = asyncio.ensure_future(self._run(entry, due))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started

    async def _run(self, entry: _Entry, due: float) -> None:
        recheck = False
        try:
            async with self._limit:
                started = self._clock.monotonic()
                self.stats.lateness.append(started - due)
                self.stats.start_times.append(started)
                self.stats.started += 1
                recheck = await self._run_one(entry.spec)
        except Exception:  # a bug in one check must not stop the scheduler
            log.exception("check of %s failed unexpectedly", entry.spec.name)
        finally:
            entry.running = False
        if self._entries.get(entry.spec.id) is not entry:
            return  # removed while running
        now = self._clock.monotonic()
        interval = entry.spec.interval
        while entry.grid_due <= now:
            entry.grid_due += interval
        due_next = entry.grid_due
        if recheck:
            due_next = min(due_next, now + entry.spec.recheck_after)
        self._push(entry, due_next)
