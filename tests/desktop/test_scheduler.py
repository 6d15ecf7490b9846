"""The fixed-rate scheduler, on a fake clock: phases, rate, concurrency, sleep and jumps."""

import asyncio
import itertools
import uuid
from collections import Counter, defaultdict

import pytest

from desktop.runtime.scheduler import Scheduler
from shared.monitor import MonitorSpec
from tests.support.clock import FakeClock


class Recorder:
    """A run_one that records start times and can take time or ask for re-checks."""

    def __init__(self, clock: FakeClock, *, takes: float = 0.0) -> None:
        self.clock = clock
        self.takes = takes
        self.starts: dict[uuid.UUID, list[float]] = defaultdict(list)
        self.running = 0
        self.max_running = 0
        self.in_flight: set[uuid.UUID] = set()
        self.overlaps = 0
        self.recheck_once: set[uuid.UUID] = set()
        self.slow: dict[uuid.UUID, float] = {}

    async def __call__(self, spec: MonitorSpec) -> bool:
        if spec.id in self.in_flight:
            self.overlaps += 1
        self.in_flight.add(spec.id)
        self.starts[spec.id].append(self.clock.monotonic())
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await self.clock.sleep(self.slow.get(spec.id, self.takes))
        finally:
            self.running -= 1
            self.in_flight.discard(spec.id)
        if spec.id in self.recheck_once:
            self.recheck_once.discard(spec.id)
            return True
        return False

    def all_starts(self) -> list[float]:
        return sorted(t for times in self.starts.values() for t in times)


def monitors(count: int, interval: int = 10) -> list[MonitorSpec]:
    return [
        MonitorSpec(url=f"http://127.0.0.1:9/{i}", interval=interval, timeout=min(5, interval))
        for i in range(count)
    ]


async def start(
    clock: FakeClock, recorder: Recorder, specs: list[MonitorSpec], **kw: int
) -> Scheduler:
    scheduler = Scheduler(recorder, clock=clock, **kw)
    for spec in specs:
        scheduler.add(spec)
    task = asyncio.ensure_future(scheduler.run())
    scheduler._test_task = task  # type: ignore[attr-defined]
    await asyncio.sleep(0)
    return scheduler


async def finish(scheduler: Scheduler, clock: FakeClock) -> None:
    scheduler.stop()
    for _ in range(200):
        if scheduler._test_task.done():  # type: ignore[attr-defined]
            break
        await clock.advance(0.5)
    await scheduler._test_task  # type: ignore[attr-defined]


def per_second(starts: list[float], begin: float, end: float) -> list[int]:
    bins = Counter(int(t - begin) for t in starts if begin <= t < end)
    return [bins.get(i, 0) for i in range(int(end - begin))]


async def test_each_monitor_runs_once_per_interval_at_a_fixed_rate() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, takes=3.0)  # response time must not push the schedule
    specs = monitors(50, interval=10)
    scheduler = await start(clock, recorder, specs)
    await clock.advance(61)
    await finish(scheduler, clock)
    for spec in specs:
        times = recorder.starts[spec.id]
        assert len(times) in (6, 7)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(abs(gap - 10.0) <= 0.06 for gap in gaps), gaps  # the fake clock steps 0.05 s
        assert times[-1] - times[0] == pytest.approx(10.0 * (len(times) - 1), abs=0.06)


async def test_phases_spread_starts_evenly() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    scheduler = await start(clock, recorder, monitors(200, interval=20))
    begin = clock.monotonic()
    await clock.advance(60)
    await finish(scheduler, clock)
    bins = per_second(recorder.all_starts(), begin, begin + 60)
    mean = sum(bins) / len(bins)
    assert mean == pytest.approx(10, rel=0.05)
    assert max(bins) / mean <= 1.5


async def test_a_slow_check_never_overlaps_its_next_one() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    specs = monitors(3, interval=10)
    recorder.slow[specs[0].id] = 15.0
    scheduler = await start(clock, recorder, specs)
    await clock.advance(60)
    await finish(scheduler, clock)
    assert recorder.overlaps == 0
    times = recorder.starts[specs[0].id]
    assert all(b - a >= 15.0 for a, b in itertools.pairwise(times))
    assert scheduler.stats.skipped_busy == 0 or len(times) >= 3


async def test_concurrency_is_bounded() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, takes=4.0)
    scheduler = await start(clock, recorder, monitors(100, interval=5), concurrency=7)
    await clock.advance(30)
    await finish(scheduler, clock)
    assert recorder.max_running == 7


async def test_concurrency_change_applies_live() -> None:
    """Settings -> Checks at once reaches a running scheduler: waiting checks start when the
    limit grows, and fewer run once it shrinks (running ones finish first)."""
    clock = FakeClock()
    recorder = Recorder(clock, takes=4.0)
    scheduler = await start(clock, recorder, monitors(30, interval=5), concurrency=2)
    await clock.advance(10)
    assert recorder.max_running == 2
    scheduler.set_concurrency(10)
    await clock.advance(0.1)
    assert recorder.running == 10
    scheduler.set_concurrency(3)
    await clock.advance(4.5)  # the ten started under the old limit have finished
    recorder.max_running = 0
    await clock.advance(20)
    await finish(scheduler, clock)
    assert recorder.max_running == 3
    assert scheduler.concurrency == 3


async def starts_with_one_recheck(interval: int, seconds: float) -> list[float]:
    """When one monitor's checks started over seconds, its first check failing unconfirmed."""
    clock = FakeClock()
    recorder = Recorder(clock)
    [spec] = monitors(1, interval=interval)
    recorder.recheck_once.add(spec.id)
    scheduler = await start(clock, recorder, [spec])
    await clock.advance(seconds)
    await finish(scheduler, clock)
    return recorder.starts[spec.id]


async def test_an_unconfirmed_failure_is_rechecked_after_twenty_seconds() -> None:
    first, second = (await starts_with_one_recheck(300, 200))[:2]
    assert second - first == pytest.approx(20.0, abs=0.1)


async def test_a_failure_at_20_s_is_rechecked_after_5_s_so_it_alerts_within_30_s() -> None:
    first, second, third = (await starts_with_one_recheck(20, 60))[:3]
    assert second - first == pytest.approx(5.0, abs=0.1)
    assert third - first == pytest.approx(20.0, abs=0.1)  # the grid did not move


async def test_check_now_runs_at_once_without_breaking_the_grid() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    [spec] = monitors(1, interval=60)
    scheduler = await start(clock, recorder, [spec])
    await clock.advance(5)
    assert scheduler.check_now(spec.id)
    await clock.advance(0.2)
    assert len(recorder.starts[spec.id]) == 2
    await clock.advance(60)
    await finish(scheduler, clock)
    assert len(recorder.starts[spec.id]) == 3


@pytest.mark.parametrize(
    "monotonic_moves",
    [False, True],
    ids=["linux-suspend-monotonic-stops", "monotonic-counts-the-sleep"],
)
async def test_a_laptop_sleep_causes_no_burst(monotonic_moves: bool) -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    scheduler = await start(clock, recorder, monitors(200, interval=20))
    await clock.advance(40)
    await clock.jump(wall=3600, monotonic=3600 if monotonic_moves else 0)
    woke = clock.monotonic()
    await clock.advance(40)
    await finish(scheduler, clock)
    bins = per_second(recorder.all_starts(), woke, woke + 40)
    assert sum(bins) == pytest.approx(400, rel=0.05)  # the normal rate, not a catch-up
    assert max(bins) <= 15  # 10 per second on average, no burst
    assert scheduler.stats.replans == 1
    assert scheduler.just_woke_until > woke


async def test_a_removed_monitor_stops_running() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    specs = monitors(2, interval=10)
    scheduler = await start(clock, recorder, specs)
    await clock.advance(11)
    scheduler.remove(specs[0].id)
    runs = len(recorder.starts[specs[0].id])
    await clock.advance(30)
    await finish(scheduler, clock)
    assert len(recorder.starts[specs[0].id]) == runs
    assert len(recorder.starts[specs[1].id]) >= 4


async def test_a_monitor_added_while_running_is_checked_at_once() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    scheduler = await start(clock, recorder, monitors(5, interval=300))
    await clock.advance(1)
    [spec] = monitors(1, interval=300)
    scheduler.add(spec, check_soon=True)
    await clock.advance(0.2)
    assert len(recorder.starts[spec.id]) == 1
    await clock.advance(300)
    await finish(scheduler, clock)
    assert len(recorder.starts[spec.id]) == 2  # then it joins its own phase
