"""Status pages, feeds and badges rendered with Jinja2 (autoescaped: every word on a page
is user-written) and the Content-Security-Policy that goes with them."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from shared.uptime import format_uptime
from sync_server.public.view import DayBar, MonitorView, PageView

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSS = (TEMPLATES / "status.css").read_text(encoding="utf-8")
# the page's one style block is allowed by its hash: no 'unsafe-inline', no scripts at all
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()}'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
COLOURS = {"up": "#1a7f37", "degraded": "#9a6700", "partial": "#9a6700", "down": "#cf222e",
           "major": "#cf222e", "paused": "#6e7781", "unknown": "#6e7781"}  # fmt: skip


def utc_time(moment: datetime) -> str:
    """27 Nov 2026, 05:40 UTC."""
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def duration(seconds: int) -> str:
    """Return a duration for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ms(value: float | None) -> str:
    """A response time: "123 ms", or "—"."""
    return "—" if value is None else f"{value:,.0f} ms"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(bar: DayBar) -> str:
    """A day bar in words (its tooltip too): "01 Nov 2026 · 99.95% uptime · 1 min down"."""
    when = f"{bar.day.day:02d} {MONTHS[bar.day.month - 1]} {bar.day.year}"
    if bar.uptime is None:
        return f"{when} · No data"
    down = f"{duration(bar.downtime_s)} down" if bar.downtime_s else "No downtime"
    return f"{when} · {format_uptime(bar.uptime)} uptime · {down}"


def bars_html(bars: list[DayBar]) -> Markup:
    """The 90 day bars as list items (built here, not in the template: 4,500 on a page of
    50 monitors). Days with downtime take keyboard focus, so tabbing visits what matters."""
    parts = []
    for bar in bars:
        level = bar.level
        focus = ' tabindex="0"' if level in ("minor", "major") else ""
        parts.append(f'<li class="{level}"{focus} aria-label="{day_label(bar)}"></li>')
    # levels are ours and labels hold only dates, digits and our words: nothing to escape
    return Markup("".join(parts))  # noqa: S704


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline SVG chart's geometry: one polyline (and area) per run of known hours; an
    hour alone between unknown ones is a short bold dash across its hour (points), since a
    polyline of one point draws nothing."""

    width: int
    height: int
    lines: list[str]
    points: list[str]
    areas: list[str]
    summary: str


Run = tuple[list[tuple[float, float]], bool]  # (x, y) points, and whether an hour alone


def _runs(monitor: MonitorView, width: int, height: int) -> list[Run]:
    """The chart's runs of consecutive known hours ([] with no answered hour); an hour alone
    is widened to its own hour, half an hour each side (inside the chart)."""
    values = [v for _, v in monitor.chart if v is not None]
    if not values:
        return []
    top = max(values) * 1.15 or 1.0
    step = width / max(len(monitor.chart) - 1, 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for index, (_, value) in enumerate(monitor.chart):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((index * step, height - value / top * height))
    shaped: list[Run] = []
    for run in filter(None, runs):
        alone = len(run) == 1
        if alone:
            (x, y), half = run[0], step / 2
            run = [(max(x - half, 0.0), y), (min(x + half, float(width)), y)]
        shaped.append(([(round(x, 1), round(y, 1)) for x, y in run], alone))
    return shaped


def chart(monitor: MonitorView, width: int = 240, height: int = 48) -> Chart | None:
    """Return the response-time chart of the last 24 hours, or None with no answered hour."""
    runs = _runs(monitor, width, height)
    if not runs:
        return None
    known = [v for _, v in monitor.chart if v is not None]
    lines = [(" ".join(f"{x},{y}" for x, y in points), alone) for points, alone in runs]
    areas = [
        f"{points[0][0]},{height} {line} {points[-1][0]},{height}"
        for (points, _), (line, _) in zip(runs, lines, strict=True)
    ]
    return Chart(
        width,
        height,
        lines=[line for line, alone in lines if not alone],
        points=[line for line, alone in lines if alone],
        areas=areas,
        summary=f"lowest {ms(min(known))}, highest {ms(max(known))}",
    )


def favicon(status: str) -> str:
    """A data: URL of a round icon in the page's overall colour."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
        f"<circle cx='8' cy='8' r='7' fill='{COLOURS.get(status, '#6e7781')}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg", "atom"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        utc_time=utc_time, duration=duration, ms=ms, uptime=format_uptime, bars=bars_html,
        chart=chart,
    )  # fmt: skip
    return env


ENV = _environment()


def render_page(page: PageView) -> str:
    """Return the status page's HTML."""
    return ENV.get_template("status_page.html").render(
        page=page,
        css=Markup(CSS),  # noqa: S704 (our own file, hashed into the CSP)
        favicon=favicon(page.overall),
    )


def render_feed(page: PageView, base: str) -> str:
    """Return the page's incidents as an Atom feed; base is the public origin."""
    return ENV.get_template("feed.atom").render(page=page, base=base, updated=_feed_updated(page))


def _feed_updated(page: PageView) -> datetime:
    """The newest change among the incidents (the page's own time when there is none)."""
    times = [i.ended_at or i.started_at for i in page.incidents]
    return max(times) if times else page.generated_at.replace(microsecond=0)
