"""Outcome rules of the engine, table-driven over a canned probe (pure rules, no network)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from shared.engine import build_request, run_check
from shared.monitor import MonitorSpec
from shared.probe import ProbeFailure, ProbeRequest, ProbeResponse
from shared.result import FailureKind, Source, result_id, to_ms
from shared.status import Status


@dataclass
class CannedProbe:
    """Answers every request with one canned response or failure."""

    answer: ProbeResponse | ProbeFailure
    requests: list[ProbeRequest] = field(default_factory=list)

    async def fetch(self, request: ProbeRequest) -> ProbeResponse:
        self.requests.append(request)
        if isinstance(self.answer, ProbeFailure):
            raise self.answer
        return self.answer

    async def close(self) -> None:
        return None


class FixedClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        return None


def spec(**fields: object) -> MonitorSpec:
    return MonitorSpec.model_validate({"url": "http://site.example/", "interval": 60, **fields})


@pytest.mark.parametrize(
    ("fields", "answer", "status", "error"),
    [
        ({}, ProbeResponse(200, 42.0), Status.UP, None),
        ({}, ProbeResponse(503, 42.0), Status.DOWN, "expected 200-299, got 503"),
        ({}, ProbeResponse(301, 10.0), Status.DOWN, "expected 200-299, got 301"),
        ({"expected_status": "200-299,301"}, ProbeResponse(301, 10.0), Status.UP, None),
        ({"expected_status": "404"}, ProbeResponse(404, 10.0), Status.UP, None),
        ({"keyword": "ok"}, ProbeResponse(200, 5.0, "all ok"), Status.UP, None),
        (
            {"keyword": "ok"},
            ProbeResponse(200, 5.0, "failure"),
            Status.DOWN,
            "keyword 'ok' not found",
        ),
        (
            {"keyword": "error", "keyword_absent": True},
            ProbeResponse(200, 5.0, "an error page"),
            Status.DOWN,
            "keyword 'error' found",
        ),
        (
            {"keyword": "error", "keyword_absent": True},
            ProbeResponse(200, 5.0, "fine"),
            Status.UP,
            None,
        ),
        (
            {"degraded_after_ms": 500},
            ProbeResponse(200, 812.4),
            Status.DEGRADED,
            "slow: 812 ms (limit 500 ms)",
        ),
        ({"degraded_after_ms": 500}, ProbeResponse(200, 499.0), Status.UP, None),
        (
            {"degraded_after_ms": 500},
            ProbeResponse(500, 900.0),
            Status.DOWN,
            "expected 200-299, got 500",
        ),
        (
            {},
            ProbeFailure(FailureKind.REFUSED, "connection refused"),
            Status.DOWN,
            "connection refused",
        ),
        (
            {},
            ProbeFailure(FailureKind.TIMEOUT, "timeout after 30 s"),
            Status.DOWN,
            "timeout after 30 s",
        ),
    ],
)
async def test_it_decides_the_outcome_by_the_rules(
    fields: dict[str, object],
    answer: ProbeResponse | ProbeFailure,
    status: Status,
    error: str | None,
) -> None:
    result = await run_check(spec(**fields), probe=CannedProbe(answer), clock=FixedClock())
    assert (result.status, result.error) == (status, error)


async def test_it_reports_the_status_code_and_response_time() -> None:
    result = await run_check(
        spec(), probe=CannedProbe(ProbeResponse(204, 12.6)), clock=FixedClock()
    )
    assert (result.status_code, result.response_time_ms) == (204, 13)
    assert result.checked_at == FixedClock().now()
    assert result.source == Source.LOCAL


async def test_a_failure_is_data_with_its_kind() -> None:
    probe = CannedProbe(ProbeFailure(FailureKind.DNS, "DNS lookup failed for site.example"))
    result = await run_check(spec(), probe=probe, clock=FixedClock())
    assert result.failure is FailureKind.DNS
    assert result.status_code is None


def test_the_request_carries_every_monitor_field() -> None:
    request = build_request(
        spec(
            method="PATCH",
            headers={"X-Key": "1"},
            body="{}",
            timeout=7,
            follow_redirects=False,
            verify_tls=False,
            keyword="x",
        )
    )
    assert (request.method, request.headers, request.body, request.timeout) == (
        "PATCH",
        {"X-Key": "1"},
        "{}",
        7.0,
    )
    assert not request.follow_redirects
    assert not request.verify_tls
    assert request.read_body


def test_the_body_is_only_read_when_a_keyword_needs_it() -> None:
    assert build_request(spec()).read_body is False


def test_a_results_id_is_stable_and_distinct_per_source() -> None:
    monitor = spec()
    moment = FixedClock().now()
    local = result_id(monitor.id, to_ms(moment), Source.LOCAL)
    assert local == result_id(monitor.id, to_ms(moment), Source.LOCAL)
    assert local != result_id(monitor.id, to_ms(moment), Source.CLOUD)
    assert local != result_id(monitor.id, to_ms(moment) + 1, Source.LOCAL)
