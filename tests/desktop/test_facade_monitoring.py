"""The Monitoring facade: changes applied here are events, changes made by another process
reach the running scheduler within a second, and results being saved are not changes."""

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from desktop.runtime.events import (
    Alerted,
    Checked,
    ConfigChanged,
    ConfigEdited,
    Event,
    Saved,
    SettingsEdited,
)
from desktop.runtime.monitoring import Monitoring
from desktop.services.monitors import MonitorService
from desktop.storage.database import Database
from shared.monitor import MonitorSpec
from tests.support.target import TargetServer
from tests.support.wait import until

REPO = Path(__file__).resolve().parents[2]


def recorder(monitoring: Monitoring) -> list[Event]:
    events: list[Event] = []
    monitoring.subscribe(events.append)
    return events


def upwatch(home: Path, *argv: str) -> None:
    """Run the real CLI in its own process, as a user in another terminal would."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "UPWATCH_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


async def test_upwatch_add_in_another_process_is_checked_within_a_second(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    events = recorder(running)
    await running.start()
    assert running.scheduler.monitor_count == 0
    await asyncio.to_thread(
        upwatch, db.path.parent, "add", target.url("status/200"), "--name", "Shop"
    )
    added = time.monotonic()
    await until(lambda: running.scheduler.monitor_count == 1, timeout=5)
    assert time.monotonic() - added < 1.0
    assert ConfigChanged(1, elsewhere=True) in events
    await until(lambda: any(isinstance(e, Checked) for e in events))  # checked at once

    await asyncio.to_thread(upwatch, db.path.parent, "pause", "Shop")
    paused = time.monotonic()
    await until(lambda: running.scheduler.monitor_count == 0, timeout=5)
    assert time.monotonic() - paused < 1.0


async def test_results_being_saved_are_not_configuration_changes(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    service = MonitorService(db)
    for index in range(5):
        service.add(MonitorSpec(name=f"m{index}", url=target.url("status/200"), interval=5))
    events = recorder(running)
    await running.start()
    await until(lambda: sum(isinstance(e, Saved) for e in events) >= 2, timeout=10)
    await asyncio.sleep(1.2)  # two polls at least, each after the writer committed
    assert [e for e in events if isinstance(e, ConfigChanged)] == [
        ConfigChanged(5, elsewhere=False)  # the first read, at start
    ]


async def test_an_edit_applied_here_is_one_event_and_no_second_reload(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    events = recorder(running)
    await running.start()
    MonitorService(db).add(MonitorSpec(url=target.url("status/200"), interval=60))
    await running.apply(ConfigEdited())
    assert running.scheduler.monitor_count == 1  # at once, not at the next poll
    await asyncio.sleep(1.2)
    assert [e for e in events if isinstance(e, ConfigChanged)] == [
        ConfigChanged(0, elsewhere=False),
        ConfigChanged(1, elsewhere=False),
    ]


async def test_settings_applied_here_change_the_running_scheduler(
    db: Database, running: Monitoring
) -> None:
    await running.start()
    settings = running.settings.changed(concurrency=3, raw_retention_days=7)
    await running.apply(SettingsEdited(settings))
    assert running.scheduler.concurrency == 3
    assert running.settings.raw_retention_days == 7


async def test_a_subscriber_that_fails_stops_neither_checks_nor_other_subscribers(
    db: Database, running: Monitoring, target: TargetServer
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("a bug in a view")

    running.subscribe(broken)
    events = recorder(running)
    stop = running.subscribe(lambda event: None)
    stop()  # unsubscribing is allowed at any time
    MonitorService(db).add(MonitorSpec(url=target.url("status/200"), interval=5))
    await running.start()
    await until(lambda: sum(isinstance(e, Checked) for e in events) >= 1)
    await until(lambda: any(isinstance(e, Saved) for e in events))
    assert not any(isinstance(e, Alerted) for e in events)
