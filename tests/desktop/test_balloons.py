"""Desktop balloons that arrive together are shown as one."""

import asyncio
import uuid

import pytest

from desktop.notify.balloons import Balloon, BalloonGrouper, group_balloon
from shared.messages import Message


def alert(name: str, event: str = "down") -> tuple[str, Message]:
    words = {"down": "is down", "up": "is up again", "degraded": "is degraded"}
    return name, Message(event, f"{name} {words[event]}", f"https://{name}.example/\nError: x")


def test_one_alert_is_its_own_balloon_in_full() -> None:
    name, message = alert("Shop")
    assert group_balloon([(name, message)]) == Balloon("Shop is down", message.body, True)
    assert not group_balloon([alert("Shop", "up")]).critical


def test_many_downs_become_one_balloon_that_counts_and_names_them() -> None:
    balloon = group_balloon([alert(f"site-{i}") for i in range(12)])
    assert balloon.title == "12 monitors are down"
    assert balloon.body == "site-0, site-1, site-2, site-3, site-4 and 7 more"
    assert balloon.critical


def test_a_mix_puts_the_bad_news_first() -> None:
    balloon = group_balloon([alert("Blog", "up"), alert("Shop"), alert("API"), alert("CDN", "up")])
    assert balloon.title == "4 alerts: 2 down, 2 up again"
    assert balloon.body == "Down: Shop, API\nUp again: Blog, CDN"
    assert balloon.critical


def test_recoveries_alone_do_not_warn() -> None:
    balloon = group_balloon([alert("Blog", "up"), alert("CDN", "up")])
    assert (balloon.title, balloon.critical) == ("2 monitors are up again", False)


async def test_alerts_within_the_window_are_shown_once_and_later_ones_apart() -> None:
    shown: list[Balloon] = []
    grouper = BalloonGrouper(shown.append, window=0.2)
    for i in range(48):
        grouper.add(*alert(f"site-{i}"))
    assert shown == []  # nothing before the window closes
    await asyncio.sleep(0.3)
    assert [b.title for b in shown] == ["48 monitors are down"]
    grouper.add(*alert("Shop", "up"))
    await asyncio.sleep(0.3)
    assert [b.title for b in shown] == ["48 monitors are down", "Shop is up again"]


@pytest.mark.parametrize("pending", [0, 3])
async def test_flush_shows_what_is_gathered_at_once(pending: int) -> None:
    shown: list[Balloon] = []
    grouper = BalloonGrouper(shown.append, window=60)
    for i in range(pending):
        grouper.add(*alert(f"site-{i}"))
    grouper.flush()
    assert len(shown) == (1 if pending else 0)
    await asyncio.sleep(0)
    grouper.flush()
    assert len(shown) == (1 if pending else 0)


async def test_notification_click_target_is_the_worst_news_first() -> None:
    shown: list[Balloon] = []
    grouper = BalloonGrouper(shown.append, window=60)
    blog, shop, api = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    grouper.add(*alert("Blog", "up"), blog)
    grouper.add(*alert("Shop"), shop)
    grouper.add(*alert("API"), api)
    grouper.flush()
    assert shown[0].monitor_ids == (shop, api, blog)
