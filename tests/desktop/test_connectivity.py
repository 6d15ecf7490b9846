"""Offline detection: failures that are this machine's, not the site's, become UNKNOWN."""

import uuid
from datetime import UTC, datetime

import pytest

from desktop.runtime.connectivity import Connectivity, is_local_host
from shared.result import CheckResult, FailureKind
from shared.status import Status
from tests.support.clock import FakeClock


def failed(kind: FailureKind = FailureKind.DNS, error: str = "DNS lookup failed") -> CheckResult:
    return CheckResult(uuid.uuid4(), Status.DOWN, datetime.now(UTC), error=error, failure=kind)


def ok() -> CheckResult:
    return CheckResult(uuid.uuid4(), Status.UP, datetime.now(UTC), status_code=200)


def test_no_route_turns_network_failures_unknown() -> None:
    connectivity = Connectivity(FakeClock(), route_check=lambda: False)
    result = connectivity.classify(failed(), "example.com")
    assert result.status == Status.UNKNOWN
    assert result.failure == FailureKind.OFFLINE
    assert result.error == "this computer is offline: DNS lookup failed"


def test_with_a_route_one_failing_site_is_down() -> None:
    connectivity = Connectivity(FakeClock(), route_check=lambda: True)
    assert connectivity.classify(failed(), "example.com").status == Status.DOWN


def test_answers_that_prove_the_network_works_stay_down() -> None:
    """A 500, a refused connection or a TLS error came from the site: never 'offline'."""
    connectivity = Connectivity(FakeClock(), route_check=lambda: False)
    for kind in (FailureKind.STATUS, FailureKind.REFUSED, FailureKind.TLS, FailureKind.KEYWORD):
        assert connectivity.classify(failed(kind, "x"), "example.com").status == Status.DOWN


def test_local_sites_are_never_blamed_on_the_network() -> None:
    connectivity = Connectivity(FakeClock(), route_check=lambda: False)
    for host in ("localhost", "127.0.0.1", "192.168.1.20", "nas.local", "::1"):
        assert connectivity.classify(failed(), host).status == Status.DOWN


def test_many_sites_failing_at_once_with_no_success_means_we_are_offline() -> None:
    clock = FakeClock()
    connectivity = Connectivity(clock, route_check=lambda: True)
    hosts = ["a.example", "b.example", "c.example"]
    results = [connectivity.classify(failed(FailureKind.TIMEOUT, "timeout"), h) for h in hosts]
    assert [r.status for r in results] == [Status.DOWN, Status.DOWN, Status.UNKNOWN]


def test_a_recent_success_elsewhere_proves_the_site_is_down() -> None:
    clock = FakeClock()
    connectivity = Connectivity(clock, route_check=lambda: True)
    connectivity.classify(ok(), "up.example")
    hosts = ["a.example", "b.example", "c.example", "d.example"]
    assert all(connectivity.classify(failed(), h).status == Status.DOWN for h in hosts)


async def test_failures_right_after_waking_up_are_unknown() -> None:
    clock = FakeClock()
    connectivity = Connectivity(clock, route_check=lambda: True, woke_until=lambda: 1030.0)
    result = connectivity.classify(failed(), "example.com")
    assert result.status == Status.UNKNOWN
    assert result.error is not None
    assert result.error.startswith("just woke from sleep")
    await clock.advance(31, step=1)
    assert connectivity.classify(failed(), "example.com").status == Status.DOWN


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("10.1.2.3", True),
        ("fd00::1", True),
        ("example.com", False),
        ("8.8.8.8", False),
    ],
)
def test_local_hosts_are_recognised(host: str, local: bool) -> None:
    assert is_local_host(host) is local
