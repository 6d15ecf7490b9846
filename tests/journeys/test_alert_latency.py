"""Carol watches 20 sites at 10–20 s intervals with `upwatch run`; they all go down at once.
Each alert is printed within 1.5 intervals of the outage (default 2 confirmations)."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.journeys.computers import Journey
from tests.journeys.processes import wait_until
from tests.support.target import TargetServer

MONITORS = 20
INTERVALS = [10 + (i * 10) // (MONITORS - 1) for i in range(MONITORS)]  # 10 … 20 s
ALERT = re.compile(r"\] (site-\d+) is down")


@pytest.mark.timeout(120)
def test_every_alert_comes_within_one_and_a_half_intervals_of_the_outage(
    journey: Journey, target: TargetServer
) -> None:
    carol = journey.desktop("C")
    switches = [f"latency-{time.monotonic_ns()}-{i}" for i in range(MONITORS)]
    sites = [
        {"name": f"site-{i}", "url": target.switch_url(switch), "interval": interval}
        for i, (switch, interval) in enumerate(zip(switches, INTERVALS, strict=True))
    ]
    carol.ok("import", "-", stdin=json.dumps({"upwatch": 1, "monitors": sites}))
    runner = carol.start_runner()
    try:
        wait_until(
            lambda: all(m["status"] == "up" for m in carol.monitors()),
            max(INTERVALS) + 5,
            lambda: f"not every site was checked up first\n{carol.ok('list')}",
        )
        down_at = time.monotonic()
        for switch in switches:
            target.set_switch(switch, status=500, body="broken")
        limit = {f"site-{i}": 1.5 * interval for i, interval in enumerate(INTERVALS)}

        def alerted() -> dict[str, float]:
            first: dict[str, float] = {}
            for line in runner.lines:
                found = ALERT.search(line.text)
                if found and line.at >= down_at:
                    first.setdefault(found[1], line.at - down_at)
            return first

        wait_until(
            lambda: len(alerted()) == MONITORS or time.monotonic() - down_at > max(limit.values()),
            max(limit.values()) + 5,
            runner.describe,
        )
        seen = alerted()
        ratios = sorted(seen[name] / (limit[name] / 1.5) for name in seen)
        if ratios:  # the figures, for `pytest -s`: latency as a share of each interval
            middle = ratios[len(ratios) // 2]
            print(f"alert latency / interval: p50 {middle:.2f}, max {ratios[-1]:.2f}")
        late = {
            name: f"{seen[name]:.1f} s" if name in seen else "never"
            for name in sorted(limit, key=lambda n: int(n.split("-")[1]))
            if seen.get(name, float("inf")) > limit[name]
        }
        assert not late, f"alerts later than 1.5 × interval: {late}\n{runner.describe()}"
    finally:
        for switch in switches:
            target.clear_switch(switch)
