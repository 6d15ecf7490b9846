"""Dark mode follows the system: the window, muted text, uptime bars and the chart."""

from collections.abc import Iterator

import pytest
from PySide6.QtCharts import QChart
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui.app import TrayApp
from desktop.ui.theme import Theme, is_dark, muted_colour
from tests.desktop.ui.conftest import running
from tests.support.wait import until


@pytest.fixture
def theme() -> Iterator[Theme]:
    instance = QApplication.instance()
    assert isinstance(instance, QApplication)
    followed = Theme(instance)
    yield followed
    followed.close()


async def test_dark_mode_follows_the_system_and_back(app: TrayApp, theme: Theme) -> None:
    async with running(app):
        pane = app.window.detail_pane
        light_muted = muted_colour(pane.subtitle)
        assert not is_dark(app.window.palette())
        theme.apply(Qt.ColorScheme.Dark)  # what the system's colorSchemeChanged says
        await until(lambda: is_dark(app.window.palette()))
        await until(lambda: pane.chart.theme() == QChart.ChartTheme.ChartThemeDark)
        dark_muted = muted_colour(pane.subtitle)
        assert dark_muted.lightness() > light_muted.lightness()  # still readable on dark
        window = app.window.palette().color(QPalette.ColorRole.Window)
        text = app.window.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() - window.lightness() > 150
        theme.apply(Qt.ColorScheme.Light)
        await until(lambda: not is_dark(app.window.palette()))
        await until(lambda: pane.chart.theme() == QChart.ChartTheme.ChartThemeLight)


async def test_dark_mode_keeps_the_status_colours_of_the_chart(app: TrayApp, theme: Theme) -> None:
    async with running(app):
        pane = app.window.detail_pane
        colours = {s: p.color().name() for s, p in pane.response.points.items()}
        theme.apply(Qt.ColorScheme.Dark)
        await until(lambda: pane.chart.theme() == QChart.ChartTheme.ChartThemeDark)
        assert {s: p.color().name() for s, p in pane.response.points.items()} == colours
        assert pane.response.threshold.pen().style() == Qt.PenStyle.DashLine
