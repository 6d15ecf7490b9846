"""MonitorsController and DetailController without any widget, on a real database."""

import pytest

from desktop.controllers.detail import DetailController
from desktop.controllers.monitors import MonitorsController
from desktop.errors import InvalidInput
from desktop.runtime.monitoring import Monitoring
from desktop.secrets.store import SecretStore
from desktop.services.monitors import MonitorService
from desktop.storage.database import Database
from shared.status import Status
from tests.desktop.test_storage_faults import BATCH, WAIT, WriterDisk, add_monitor, up_outcomes
from tests.desktop.ui.conftest import stopping
from tests.support.target import TargetServer
from tests.support.wait import until


@pytest.fixture
def monitoring(db: Database) -> Monitoring:
    return Monitoring(db, secrets=SecretStore(), route_check=lambda: True)


async def test_adding_a_monitor_lists_it_and_starts_checking_it(
    db: Database, monitoring: Monitoring, target: TargetServer
) -> None:
    async with stopping(monitoring):
        controller = MonitorsController(MonitorService(db), monitoring)
        await monitoring.start()
        await controller.refresh()
        assert controller.summary == (Status.UNKNOWN, "No monitors yet")
        spec = await controller.add(
            {"url": target.url("status/200"), "name": "Site", "interval": 60}
        )
        assert [row.spec.name for row in controller.rows] == ["Site"]
        await until(lambda: controller.rows[0].status == Status.UP)
        assert controller.rows[0].last_response_ms is not None
        assert controller.summary == (Status.UP, "1 up")
        assert controller.row_of(spec.id) == 0


async def test_bad_input_is_refused_and_nothing_is_added(db: Database) -> None:
    controller = MonitorsController(MonitorService(db))
    with pytest.raises(InvalidInput, match="http"):
        await controller.add({"url": "ftp://example.com"})
    await controller.refresh()
    assert controller.rows == []


async def test_errors_are_reported_through_a_signal(db: Database) -> None:
    controller = MonitorsController(MonitorService(db))
    seen: list[str] = []
    controller.error_raised.connect(seen.append)
    ok = await controller.run_safely(controller.add({"url": "nope"}))
    assert not ok
    assert seen
    assert "URL" in seen[0]


async def test_pause_all_and_resume_all(db: Database, target: TargetServer) -> None:
    controller = MonitorsController(MonitorService(db))
    for index in range(3):
        await controller.add({"url": target.url(f"status/200?{index}"), "interval": 60})
    await controller.set_all_active(False)
    assert {row.status for row in controller.rows} == {Status.PAUSED}
    assert controller.summary == (Status.PAUSED, "3 paused")
    await controller.set_all_active(True)
    assert all(row.spec.is_active for row in controller.rows)


async def test_the_detail_follows_the_selection_and_new_results(
    db: Database, monitoring: Monitoring, target: TargetServer
) -> None:
    async with stopping(monitoring):
        controller = MonitorsController(MonitorService(db), monitoring)
        detail = DetailController(MonitorService(db), monitoring)
        await monitoring.start()
        spec = await controller.add({"url": target.url("status/200"), "interval": 60})
        loads: list[int] = []
        detail.loaded.connect(lambda: loads.append(1))
        detail.select(spec.id)
        await until(lambda: detail.detail is not None and detail.detail.checks)
        assert detail.detail is not None
        assert detail.detail.windows["24h"].uptime == 100.0
        before = len(loads)
        assert controller.check_now(spec.id)
        await until(lambda: len(loads) > before)
        assert detail.detail is not None
        assert len(detail.detail.checks) >= 2
        detail.select(None)
        assert detail.detail is None


async def test_a_save_error_is_shown_until_results_are_saved_again(
    db: Database, monitoring: Monitoring
) -> None:
    """A full disk in the app: the writer's disk-full error reaches storage_problem_changed on the
    Qt thread, once per distinct message, and "" follows when the retry commits."""
    pk, spec = add_monitor(db)
    async with stopping(monitoring):
        controller = MonitorsController(MonitorService(db), monitoring)
        seen: list[str] = []
        controller.storage_problem_changed.connect(seen.append)
        await monitoring.start()
        disk = WriterDisk(monitoring.writer)
        monitoring.writer.error_observers.append(lambda _message: disk.free())
        disk.fill()
        for outcome in up_outcomes(pk, spec, BATCH):
            monitoring.writer.submit(outcome)
        await until(lambda: len(seen) == 2, timeout=WAIT)
        assert seen == [
            f"Check results are not being saved: could not save {BATCH} results:"
            " database or disk is full",
            "",
        ]
        assert controller.storage_problem == ""
        assert monitoring.writer.committed >= BATCH
