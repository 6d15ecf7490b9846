"""Shields-style SVG badges: status, uptime over a window, response time."""

from __future__ import annotations

from dataclasses import dataclass

from shared.uptime import format_uptime
from sync_server.public.render import COLOURS, ENV, ms
from sync_server.public.view import MonitorView

WINDOWS = ("24h", "30d", "90d")
# Verdana 11 px is about this wide per character on average; narrow and wide ones differ
_NARROW = set("fijlrt.,:;!|I'1 ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> int:
    """Approximate rendered width in pixels of text in the badge font."""
    width = 0.0
    for char in text:
        width += 3.8 if char in _NARROW else 10.0 if char in _WIDE else 7.0
    return int(width + 0.5)


@dataclass(frozen=True, slots=True)
class Badge:
    """Two boxes: a grey label and a coloured value."""

    label: str
    value: str
    colour: str

    @property
    def label_width(self) -> int:
        """Width of the label box."""
        return text_width(self.label) + 12

    @property
    def value_width(self) -> int:
        """Width of the value box."""
        return text_width(self.value) + 12

    @property
    def width(self) -> int:
        """Total width."""
        return self.label_width + self.value_width


def _uptime_colour(percent: float | None) -> str:
    if percent is None:
        return COLOURS["unknown"]
    if percent >= 99.9:
        return COLOURS["up"]
    return COLOURS["degraded"] if percent >= 99.0 else COLOURS["down"]


def status_badge(monitor: MonitorView) -> Badge:
    """The monitor's current state."""
    return Badge(_label(monitor.name), monitor.label.lower(), COLOURS[monitor.status])


def uptime_badge(monitor: MonitorView, window: str) -> Badge:
    """Uptime over 24h, 30d or 90d."""
    percent = monitor.uptime[window]
    return Badge(f"uptime {window}", format_uptime(percent), _uptime_colour(percent))


def response_badge(monitor: MonitorView) -> Badge:
    """Average response time over the last 24 hours."""
    value = monitor.mean_ms_24h
    colour = COLOURS["unknown"] if value is None else COLOURS["up"]
    if value is not None and value >= 1000:
        colour = COLOURS["degraded"]
    return Badge("response 24h", ms(value), colour)


def _label(name: str) -> str:
    return name if len(name) <= 40 else name[:39] + "…"


def render_badge(badge: Badge) -> str:
    """Return the badge as SVG (every text escaped)."""
    return ENV.get_template("badge.svg").render(b=badge)
