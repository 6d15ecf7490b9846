"""Structured logs: one JSON object per line, with secrets scrubbed from every message."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# what never reaches a log: bearer tokens, JWTs, URL passwords, Stripe signatures, cookies
_SECRETS = [
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1[redacted]"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"), "[redacted-jwt]"),
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), r"\1[redacted]@"),
    (
        re.compile(r"(?i)(stripe-signature|cookie|authorization)([\"']?\s*[:=]\s*)[^\n]+"),
        r"\1\2[redacted]",
    ),
]
# fields a log call may attach with extra={...}
FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms", "client", "user_id")


def scrub(text: str) -> str:
    """Return text with anything that looks like a credential replaced."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message and known fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class ScrubbingFormatter(logging.Formatter):
    """The plain text format, scrubbed the same way (for a terminal in --dev)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Send the server's and uvicorn's logs to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # our access log replaces uvicorn's, which would log full query strings
    logging.getLogger("uvicorn.access").disabled = True
