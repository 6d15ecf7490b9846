"""The resizable concurrency limit under the scheduler: order, resizing and cancellation."""

import asyncio

import pytest

from desktop.runtime.limit import Limit


async def hold(limit: Limit, release: asyncio.Event, entered: list[int], n: int) -> None:
    async with limit:
        entered.append(n)
        await release.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiters_enter_in_order_as_the_limit_grows() -> None:
    limit, release, entered = Limit(1), asyncio.Event(), []
    tasks = [asyncio.ensure_future(hold(limit, release, entered, n)) for n in range(4)]
    await settle()
    assert entered == [0]
    limit.resize(3)
    await settle()
    assert entered == [0, 1, 2]
    assert limit.held == 3
    release.set()
    await asyncio.gather(*tasks)
    assert entered == [0, 1, 2, 3]
    assert limit.held == 0


async def test_shrinking_admits_no_one_until_fewer_hold_it() -> None:
    limit, release, entered = Limit(2), asyncio.Event(), []
    first = [asyncio.ensure_future(hold(limit, release, entered, n)) for n in range(2)]
    await settle()
    limit.resize(1)
    later = asyncio.Event()
    waiting = asyncio.ensure_future(hold(limit, later, entered, 2))
    release.set()
    await asyncio.gather(*first)
    await settle()
    assert entered == [0, 1, 2]
    assert limit.held == 1
    later.set()
    await waiting


async def test_a_cancelled_waiter_leaves_no_slot_taken_and_blocks_no_one() -> None:
    limit, release, entered = Limit(1), asyncio.Event(), []
    holder = asyncio.ensure_future(hold(limit, release, entered, 0))
    await settle()
    cancelled = asyncio.ensure_future(hold(limit, release, entered, 1))
    await settle()
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    release.set()
    await holder
    assert limit.held == 0
    async with limit:  # free again at once
        assert limit.held == 1


async def test_a_waiter_cancelled_as_it_is_admitted_gives_its_slot_back() -> None:
    limit, release, entered = Limit(1), asyncio.Event(), []
    await limit.__aenter__()
    waiter = asyncio.ensure_future(hold(limit, release, entered, 1))
    await settle()
    await limit.__aexit__(None, None, None)  # admits the waiter; it has not run since
    assert limit.held == 1
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert entered == []
    assert limit.held == 0


@pytest.mark.parametrize("size", [0, -1])
def test_a_limit_below_one_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Limit(size)
    with pytest.raises(ValueError, match="at least 1"):
        Limit(1).resize(size)
