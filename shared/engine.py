"""The check engine: a monitor spec in, a CheckResult out. No I/O besides the probe."""

from __future__ import annotations

from datetime import datetime

from shared.clock import Clock
from shared.monitor import MAX_REDIRECTS, MonitorSpec
from shared.probe import Probe, ProbeFailure, ProbeRequest, ProbeResponse
from shared.result import CheckResult, FailureKind, Source
from shared.status import Status


def build_request(spec: MonitorSpec) -> ProbeRequest:
    """Return the probe request a monitor describes."""
    return ProbeRequest(
        method=spec.method,
        url=spec.url,
        timeout=spec.timeout,
        headers=dict(spec.headers),
        body=spec.body,
        follow_redirects=spec.follow_redirects,
        max_redirects=MAX_REDIRECTS,
        verify_tls=spec.verify_tls,
        read_body=spec.keyword is not None,
    )


def evaluate(
    spec: MonitorSpec, response: ProbeResponse
) -> tuple[Status, str | None, FailureKind | None]:
    """Return (status, error, failure kind) for an answer: its status code, keyword and speed."""
    expected = spec.expected
    if not expected.accepts(response.status):
        return Status.DOWN, f"expected {expected}, got {response.status}", FailureKind.STATUS
    if spec.keyword is not None:
        found = spec.keyword in (response.text or "")
        if spec.keyword_absent and found:
            return Status.DOWN, f"keyword {spec.keyword!r} found", FailureKind.KEYWORD
        if not spec.keyword_absent and not found:
            return Status.DOWN, f"keyword {spec.keyword!r} not found", FailureKind.KEYWORD
    if spec.degraded_after_ms is not None and response.elapsed_ms > spec.degraded_after_ms:
        limit = spec.degraded_after_ms
        return Status.DEGRADED, f"slow: {response.elapsed_ms:.0f} ms (limit {limit} ms)", None
    return Status.UP, None, None


async def run_check(
    spec: MonitorSpec, *, probe: Probe, clock: Clock, source: Source = Source.LOCAL
) -> CheckResult:
    """Run one check of spec through probe and return its result (never raises for the site)."""
    started: datetime = clock.now()
    try:
        response = await probe.fetch(build_request(spec))
    except ProbeFailure as failure:
        return CheckResult(
            monitor_id=spec.id,
            status=Status.DOWN,
            checked_at=started,
            error=failure.message,
            failure=failure.kind,
            source=source,
        )
    status, error, kind = evaluate(spec, response)
    return CheckResult(
        monitor_id=spec.id,
        status=status,
        checked_at=started,
        status_code=response.status,
        response_time_ms=round(response.elapsed_ms),
        error=error,
        failure=kind,
        source=source,
    )
