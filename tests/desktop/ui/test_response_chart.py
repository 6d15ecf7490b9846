"""The response chart: points coloured by status, the degraded threshold, ranges picked by
the user, and clean axes when a range has no data."""

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime

from desktop.services.chart import ChartData, ChartPoint
from desktop.ui.app import TrayApp
from desktop.ui.response_chart import ResponseChart, nice_top
from shared.status import Status
from tests.desktop.ui.conftest import running
from tests.support.target import TargetServer
from tests.support.wait import until

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def data(points: list[ChartPoint], span: str = "1h", threshold: int | None = None) -> ChartData:
    start = NOW - {"1h": timedelta(hours=1), "7d": timedelta(days=7)}[span]
    return ChartData(span, start, NOW, points, threshold)


def point(minutes: int, ms: int | None, status: Status) -> ChartPoint:
    return ChartPoint(NOW - timedelta(minutes=minutes), ms, status)


async def test_each_point_takes_its_status_colour_and_the_threshold_is_drawn(
    app: TrayApp,
) -> None:
    chart = ResponseChart()
    points = [
        point(50, 120, Status.UP),
        point(40, 900, Status.DEGRADED),
        point(30, 40, Status.DOWN),
    ]
    points.append(point(20, None, Status.DOWN))  # a failure without a time: not drawn
    chart.show_data(data(points, threshold=500))
    counts = {status: series.count() for status, series in chart.points.items()}
    assert counts == {Status.UP: 1, Status.DEGRADED: 1, Status.DOWN: 1}
    assert chart.points[Status.DOWN].color().name() != chart.points[Status.UP].color().name()
    assert [(p.y()) for p in chart.threshold.points()] == [500.0, 500.0]
    assert chart.y_axis.max() == 1000.0  # a round top above the slowest point
    assert chart.empty.isHidden()
    chart.deleteLater()


async def test_a_range_with_no_data_says_so_on_clean_axes(app: TrayApp) -> None:
    chart = ResponseChart()
    chart.show_data(data([point(10, 4000, Status.UP)]))
    chart.show_data(data([], span="7d"))  # the previous data must not leave its axes
    assert all(series.count() == 0 for series in chart.points.values())
    assert (chart.y_axis.min(), chart.y_axis.max()) == (0.0, 100.0)
    start = QDateTime.fromMSecsSinceEpoch(int((NOW - timedelta(days=7)).timestamp() * 1000))
    assert chart.x_axis.min() == start
    assert chart.x_axis.format() == "ddd d"
    assert not chart.empty.isHidden()
    assert chart.empty.text() == "No response times in the last 7 d."
    chart.deleteLater()


def test_the_y_axis_ends_on_a_round_number() -> None:
    assert [nice_top(v) for v in (8, 95, 120, 450, 4000)] == [10, 200, 200, 500, 5000]


async def test_picking_a_range_reloads_the_chart_from_rollups(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        spec = await app.monitors.add({"name": "Shop", "url": target.url("status/200")})
        app.detail.select(spec.id)
        await until(lambda: app.detail.detail is not None and app.detail.detail.chart.points)
        assert app.detail.detail is not None
        assert app.detail.detail.chart.span == "1h"
        pane = app.window.detail_pane
        [week] = [b for b in pane.response.buttons.buttons() if b.text() == "7 d"]
        week.click()
        await until(lambda: app.detail.detail is not None and app.detail.detail.chart.span == "7d")
        assert week.isChecked()
        [hour] = app.detail.detail.chart.points  # this hour's rollup
        assert hour.status == Status.UP
        assert hour.ms is not None
