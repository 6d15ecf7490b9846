"""The monitor options shared by `add` and `edit`, and their conversion to spec fields."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from desktop.errors import InvalidInput
from shared.monitor import DEFAULT_INTERVAL_S, DEFAULT_TIMEOUT_S, METHODS, MIN_INTERVAL_S
from shared.tags import parse_tag_names


@dataclass(frozen=True, slots=True)
class MonitorOption:
    """One command-line option that sets one MonitorSpec field."""

    field: str
    flag: str
    settings: dict[str, Any]
    switch_off: bool = False  # "" or 0 sets the field to None (the rule is off)
    edit_only: bool = False  # `add` takes it as its positional argument instead


_SWITCH = {"action": argparse.BooleanOptionalAction, "default": None}

# Every spec field a user sets from the command line, in the order `-h` lists them; the
# fields left out (and why) are listed in tests/shared/test_monitor_fields.py.
MONITOR_OPTIONS: tuple[MonitorOption, ...] = (
    MonitorOption("url", "--url", {"help": "new URL to check"}, edit_only=True),
    MonitorOption("name", "--name", {"help": "display name (default: the host name)"}),
    MonitorOption("method", "--method",
                  {"type": str.upper, "choices": METHODS, "help": "HTTP method (GET)"}),
    MonitorOption("interval", "--interval", {"type": int, "help": (
        f"seconds between checks ({DEFAULT_INTERVAL_S}; at least {MIN_INTERVAL_S})")}),
    MonitorOption("timeout", "--timeout",
                  {"type": float, "help": f"seconds before a check fails ({DEFAULT_TIMEOUT_S:g})"}),
    MonitorOption("expected_status", "--expect",
                  {"metavar": "CODES", "help": 'expected status codes, e.g. "200-299,301"'}),
    MonitorOption("headers", "--header", {"action": "append", "metavar": "K:V"}),
    MonitorOption("body", "--body", {"help": "request body"}, switch_off=True),
    MonitorOption("keyword", "--keyword",
                  {"help": 'text the page must contain ("" removes it)'}, switch_off=True),
    MonitorOption("keyword_absent", "--keyword-absent",
                  {**_SWITCH, "help": "the keyword must NOT appear instead"}),
    MonitorOption("degraded_after_ms", "--degraded-after", {
        "type": int, "metavar": "MS", "help": "slower than this is degraded (0: off)"},
        switch_off=True),
    MonitorOption("confirmations", "--confirmations",
                  {"type": int, "help": "failures in a row before it counts as down (2)"}),
    MonitorOption("reminder_minutes", "--remind-every", {
        "type": int, "metavar": "MIN", "help": "repeat the alert every MIN while down (0: never)"},
        switch_off=True),
    MonitorOption("follow_redirects", "--follow-redirects",
                  {**_SWITCH, "help": "follow up to 10 redirects (default: yes)"}),
    MonitorOption("verify_tls", "--verify-tls",
                  {**_SWITCH, "help": "reject bad TLS certificates (default: yes)"}),
    MonitorOption("tags", "--tags", {"metavar": "A,B", "help": (
        'tags that group it, comma-separated, e.g. "prod,shop" ("" removes them)')}),
)  # fmt: skip


def _dest(option: MonitorOption) -> str:
    return option.flag.removeprefix("--").replace("-", "_")


def add_monitor_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """Add the options that set monitor fields."""
    for option in MONITOR_OPTIONS:
        if option.edit_only and not editing:
            continue
        settings = dict(option.settings)
        if option.field == "headers":
            replaces = "; replaces all headers" if editing else ""
            settings["help"] = "request header (repeat for more)" + replaces
        parser.add_argument(option.flag, **settings)


def parse_headers(values: list[str]) -> dict[str, str]:
    """Return headers from "Name: value" strings; raise InvalidInput."""
    headers: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise InvalidInput(f"header {item!r} must look like Name:value")
        headers[name.strip()] = value.strip()
    return headers


def monitor_fields(args: argparse.Namespace) -> dict[str, Any]:
    """Return the spec fields the user set on the command line (unset ones are left out)."""
    fields: dict[str, Any] = {}
    for option in MONITOR_OPTIONS:
        value = getattr(args, _dest(option), None)
        if value is None:
            continue
        if option.field == "headers":
            value = parse_headers(value)
        elif option.field == "tags":
            value = parse_tag_names(value)
        elif option.switch_off and value in ("", 0):
            # --keyword "" --remind-every 0 --degraded-after 0 switch an optional rule off
            value = None
        fields[option.field] = value
    return fields


_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def period(text: str) -> timedelta:
    """argparse type: "24h", "7d", "2w" as a timedelta (1 hour to 2 years)."""
    value = text.strip().lower()
    if len(value) < 2 or value[-1] not in _UNITS or not value[:-1].isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a period like 24h, 7d or 2w")
    span = timedelta(seconds=int(value[:-1]) * _UNITS[value[-1]])
    if not timedelta(hours=1) <= span <= timedelta(days=730):
        raise argparse.ArgumentTypeError("the period must be between 1h and 730d")
    return span


def period_label(span: timedelta) -> str:
    """A period for people: 7 days, 24 hours, 1 day."""
    if span >= timedelta(days=2) and span % timedelta(days=1) == timedelta(0):
        days = span.days
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(span.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"
