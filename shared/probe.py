"""The probe interface the engine talks to: one HTTP exchange, failures as typed errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from shared.result import FailureKind

BODY_READ_LIMIT = 1 << 20  # keyword search looks at the first MiB of a page


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """What to send."""

    method: str
    url: str
    timeout: float
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    follow_redirects: bool = True
    max_redirects: int = 10
    verify_tls: bool = True
    read_body: bool = False
    body_limit: int = BODY_READ_LIMIT


@dataclass(frozen=True, slots=True)
class ProbeResponse:
    """What came back: the status, the time to the answer and the body if it was asked for."""

    status: int
    elapsed_ms: float
    text: str | None = None


class ProbeFailure(Exception):
    """No usable answer: kind says why, message is short and human."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Probe(Protocol):
    """Sends one request and returns the answer or raises ProbeFailure."""

    async def fetch(self, request: ProbeRequest) -> ProbeResponse:
        """Return the response; raise ProbeFailure when there is none."""
        ...

    async def close(self) -> None:
        """Release connections and sockets."""
        ...
