"""The value one check produces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shared.status import Status


class Source(StrEnum):
    """Where a check ran."""

    LOCAL = "local"
    CLOUD = "cloud"


class FailureKind(StrEnum):
    """Why a probe got no usable answer; network kinds may mean the checker is offline."""

    DNS = "dns"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TLS = "tls"
    RESET = "reset"
    REDIRECT = "redirect"
    PROTOCOL = "protocol"
    TOO_LARGE = "too_large"
    STATUS = "status"
    KEYWORD = "keyword"
    OFFLINE = "offline"
    BLOCKED = "blocked"  # the hosted guard refused an internal address

    @property
    def may_mean_offline(self) -> bool:
        """True for failures that a machine without network would also see."""
        return self in (
            FailureKind.DNS,
            FailureKind.UNREACHABLE,
            FailureKind.CONNECT,
            FailureKind.TIMEOUT,
        )


def result_id(monitor_id: uuid.UUID, checked_at_ms: int, source: Source) -> uuid.UUID:
    """Return the stable UUID of the result of monitor at checked_at_ms from source.

    Deriving it (rather than storing a random one) keeps each stored check small and lets
    every side recompute the same id for idempotent sync.
    """
    return uuid.uuid5(monitor_id, f"{checked_at_ms}:{source.value}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    """Return a timezone-aware datetime as integer Unix milliseconds (exact, no float)."""
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """Return integer Unix milliseconds as a UTC datetime; to_ms(from_ms(n)) == n exactly."""
    return _EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome: a plain value, never an exception."""

    monitor_id: uuid.UUID
    status: Status
    checked_at: datetime
    status_code: int | None = None
    response_time_ms: int | None = None
    error: str | None = None
    failure: FailureKind | None = None
    source: Source = Source.LOCAL

    @property
    def id(self) -> uuid.UUID:
        """The result's UUID, derived from monitor, time and source."""
        return result_id(self.monitor_id, to_ms(self.checked_at), self.source)
