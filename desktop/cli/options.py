"""The monitor options shared by `add` and `edit`, and their conversion to spec fields."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from desktop.errors import InvalidInput
from shared.monitor import METHODS


def add_monitor_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """Add the options that set monitor fields."""
    if editing:
        parser.add_argument("--url", help="new URL to check")
    parser.add_argument("--name", help="display name (default: the host name)")
    parser.add_argument("--method", type=str.upper, choices=METHODS, help="HTTP method (GET)")
    parser.add_argument("--interval", type=int, help="seconds between checks (300; at least 5)")
    parser.add_argument("--timeout", type=float, help="seconds before a check fails (30)")
    parser.add_argument(
        "--expect", metavar="CODES", help='expected status codes, e.g. "200-299,301"'
    )
    parser.add_argument(
        "--header",
        action="append",
        metavar="K:V",
        help="request header (repeat for more)" + ("; replaces all headers" if editing else ""),
    )
    parser.add_argument("--body", help="request body")
    parser.add_argument("--keyword", help='text the page must contain ("" removes it)')
    parser.add_argument(
        "--keyword-absent",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the keyword must NOT appear instead",
    )
    parser.add_argument(
        "--degraded-after", type=int, metavar="MS", help="slower than this is degraded (0: off)"
    )
    parser.add_argument(
        "--confirmations", type=int, help="failures in a row before it counts as down (2)"
    )
    parser.add_argument(
        "--remind-every",
        type=int,
        metavar="MIN",
        help="repeat the alert every MIN while down (0: never)",
    )
    parser.add_argument(
        "--follow-redirects",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="follow up to 10 redirects (default: yes)",
    )
    parser.add_argument(
        "--verify-tls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reject bad TLS certificates (default: yes)",
    )


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
    mapping = {
        "url": "url",
        "name": "name",
        "method": "method",
        "interval": "interval",
        "timeout": "timeout",
        "expect": "expected_status",
        "body": "body",
        "keyword": "keyword",
        "keyword_absent": "keyword_absent",
        "degraded_after": "degraded_after_ms",
        "confirmations": "confirmations",
        "remind_every": "reminder_minutes",
        "follow_redirects": "follow_redirects",
        "verify_tls": "verify_tls",
    }
    fields: dict[str, Any] = {}
    for option, field in mapping.items():
        value = getattr(args, option, None)
        if value is not None:
            fields[field] = value
    # "" or 0 switch an optional rule off: --keyword "" --remind-every 0 --degraded-after 0
    for field in ("keyword", "body", "reminder_minutes", "degraded_after_ms"):
        if field in fields and fields[field] in ("", 0):
            fields[field] = None
    if args.header is not None:
        fields["headers"] = parse_headers(args.header)
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
