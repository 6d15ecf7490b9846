"""`upwatch report`: the local uptime report, from rollups and incidents."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.services.monitors import MonitorService
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository
from desktop.storage.writer import Outcome, ResultWriter
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import MonitorState, Policy, next_state
from shared.status import Status


def store_history(db: Database, name: str, statuses: list[Status], start: datetime) -> None:
    spec = MonitorService(db).add(
        MonitorSpec(name=name, url=f"https://{name}.example", interval=60)
    )
    with db.session() as session:
        pk = MonitorRepository(session).find(str(spec.id)).pk
    assert pk is not None
    writer = ResultWriter(db.path, linger=0.01)
    writer.start()
    state = MonitorState()
    for index, status in enumerate(statuses):
        result = CheckResult(
            spec.id, status, start + timedelta(minutes=index), response_time_ms=100,
            error=None if status == Status.UP else "connection refused",
        )  # fmt: skip
        state, flip = next_state(state, result, Policy(confirmations=1))
        writer.submit(Outcome(pk, result, state, flip))
    assert writer.flush().result(timeout=10)
    writer.close()


def test_the_report_counts_uptime_and_incidents_of_the_period(db: Database) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    store_history(db, "shop", [Status.UP] * 6 + [Status.DOWN] * 2 + [Status.UP] * 2, start)
    store_history(db, "blog", [Status.UP] * 10, start)
    report = MonitorService(db).report(timedelta(days=7))
    by_name = {m.name: m for m in report.monitors}
    assert by_name["shop"].rollup.uptime == pytest.approx(80.0)
    assert len(by_name["shop"].outages) == 1
    assert by_name["shop"].down_for(report.end) == timedelta(minutes=2)
    assert by_name["blog"].rollup.uptime == 100.0


def test_upwatch_report_prints_it_and_refuses_a_bad_period(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add", "https://example.com", "--name", "Example"]) == 0
    capsys.readouterr()
    assert main(["report", "--since", "24h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Upwatch report, last 24 hours\n")
    assert "Example" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--since", "forever"])
    assert exit_info.value.code == 2
    assert "not a period like 24h" in capsys.readouterr().err
