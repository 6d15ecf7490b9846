"""Light and dark, following the system: the app's palette, muted text and the chart.

Native styles on macOS and Windows already follow the system's scheme; where the platform
leaves the palette light while the system says dark (Linux without a platform theme), the
app sets Fusion with a dark palette of its own, and puts the platform's palette back when the
system turns light again. Widgets take their colours from the palette (no hard-coded greys),
so a change of scheme repaints everything, the chart included.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

_DARK: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#202327",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17191c",
    QPalette.ColorRole.AlternateBase: "#23262a",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2b2f34",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.ToolTipBase: "#2b2f34",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Highlight: "#3b82f6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.Mid: "#4a4f55",
    QPalette.ColorRole.Dark: "#111315",
    QPalette.ColorRole.Light: "#3a3f45",
}
_DISABLED_TEXT = "#6f747a"


def dark_palette() -> QPalette:
    """Return the app's own dark palette."""
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT))
    return palette


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class Theme:
    """Keeps the app's palette in step with the system's colour scheme."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._platform = (app.style().name(), app.palette())
        self.scheme = Qt.ColorScheme.Unknown
        app.styleHints().colorSchemeChanged.connect(self.apply)
        self.apply(app.styleHints().colorScheme())

    def close(self) -> None:
        """Stop following the system and put the platform's look back."""
        self._app.styleHints().colorSchemeChanged.disconnect(self.apply)
        self.apply(Qt.ColorScheme.Unknown)

    def apply(self, scheme: Qt.ColorScheme) -> None:
        """Follow scheme: dark where the platform stays light, else the platform's own."""
        self.scheme = scheme
        style, palette = self._platform
        if scheme == Qt.ColorScheme.Dark and not is_dark(palette):
            self._app.setStyle("Fusion")
            self._app.setPalette(dark_palette())
        else:
            self._app.setStyle(style)
            self._app.setPalette(palette)


def mute(label: QLabel) -> QLabel:
    """Draw the label in the palette's secondary text colour (light or dark alike)."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def muted_colour(widget: QWidget) -> QColor:
    """Return the secondary text colour of the widget's palette."""
    return widget.palette().color(QPalette.ColorRole.PlaceholderText)
