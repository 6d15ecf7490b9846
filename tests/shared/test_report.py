"""The uptime report rendered from rollups and incidents."""

from datetime import UTC, datetime, timedelta

from shared.report import MonitorReport, Outage, Report, render_text
from shared.status import Status
from shared.uptime import Rollup

END = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = END - timedelta(days=7)


def rollup(up: int, down: int, response_ms: int) -> Rollup:
    total = Rollup()
    for _ in range(up):
        total.add(Status.UP, response_ms)
    for _ in range(down):
        total.add(Status.DOWN, None)
    return total


def test_the_report_lists_each_monitor_worst_first_with_its_incidents() -> None:
    shop = MonitorReport(
        "Shop",
        rollup(990, 10, 320),
        [Outage(END - timedelta(days=2), END - timedelta(days=2) + timedelta(minutes=35), "503")],
    )
    api = MonitorReport("API", rollup(1000, 0, 1200))
    blog = MonitorReport("Blog", rollup(500, 0, 80), [Outage(END - timedelta(minutes=5), None)])
    text = render_text(Report(START, END, [api, shop, blog]), title="Weekly")
    lines = text.splitlines()
    assert lines[0] == "Weekly"
    assert lines[1] == "2026-11-19 12:00 – 2026-11-26 12:00 UTC"
    assert lines[3] == "Uptime 99.60% across 3 monitors; 2 incidents, 40 min 0 s down."
    rows = [line.split() for line in lines[6:9]]
    assert [row[0] for row in rows] == ["Shop", "API", "Blog"]  # worst uptime first
    assert rows[0][1:] == ["99.00%", "320", "ms", "1", "35", "min", "0", "s"]
    assert "Slowest (p95): API 1.2 s, Shop 320 ms, Blog 80 ms" in text


def test_an_empty_report_says_so() -> None:
    assert "No monitors yet." in render_text(Report(START, END, []))
