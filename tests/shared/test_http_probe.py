"""The aiohttp probe against a real local server: every way a site can answer or fail."""

import ssl
from datetime import UTC, datetime

import pytest

from shared.clock import SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.monitor import MonitorSpec
from shared.result import CheckResult, FailureKind
from shared.status import Status
from tests.support.target import TargetServer, TlsTargetServer


async def check(
    url: str, *, ssl_context: ssl.SSLContext | None = None, **fields: object
) -> CheckResult:
    probe = AiohttpProbe(ssl_context=ssl_context)
    try:
        spec = MonitorSpec.model_validate({"url": url, "interval": 60, "timeout": 5, **fields})
        return await run_check(spec, probe=probe, clock=SystemClock())
    finally:
        await probe.close()


async def test_a_healthy_site_is_up_with_its_response_time(target: TargetServer) -> None:
    """The desktop checks 127.0.0.1 (that is its point)."""
    before = datetime.now(UTC)
    result = await check(target.url("status/200"))
    assert (result.status, result.status_code, result.error) == (Status.UP, 200, None)
    assert result.response_time_ms is not None
    assert 0 <= result.response_time_ms < 1000
    assert before <= result.checked_at <= datetime.now(UTC)


async def test_localhost_by_name_is_checked_too(target: TargetServer) -> None:
    result = await check(f"http://localhost:{target.port}/status/204")
    assert result.status == Status.UP


async def test_a_server_error_is_down(target: TargetServer) -> None:
    result = await check(target.url("status/500"))
    assert (result.status, result.error) == (Status.DOWN, "expected 200-299, got 500")


async def test_a_slow_answer_is_degraded(target: TargetServer) -> None:
    result = await check(target.url("slow/300"), degraded_after_ms=100)
    assert result.status == Status.DEGRADED
    assert result.error is not None
    assert result.error.startswith("slow: ")


async def test_a_hanging_site_times_out(target: TargetServer) -> None:
    result = await check(target.url("hang"), timeout=0.5)
    assert (result.status, result.error, result.failure) == (
        Status.DOWN,
        "timeout after 0.5 s",
        FailureKind.TIMEOUT,
    )


async def test_a_reset_connection_is_down(target: TargetServer) -> None:
    result = await check(target.url("reset"))
    assert result.status == Status.DOWN
    assert result.failure == FailureKind.RESET
    assert result.error in ("connection reset", "connection closed without a response")


async def test_a_refused_connection_is_down(target: TargetServer) -> None:
    from tests.support.threaded_app import find_free_port

    result = await check(f"http://127.0.0.1:{find_free_port()}/")
    assert (result.status, result.error, result.failure) == (
        Status.DOWN,
        "connection refused",
        FailureKind.REFUSED,
    )


async def test_redirects_are_followed_up_to_ten(target: TargetServer) -> None:
    assert (await check(target.url("redirect/10"))).status == Status.UP
    result = await check(target.url("redirect/11"))
    assert (result.status, result.error) == (Status.DOWN, "too many redirects (more than 10)")


async def test_redirects_can_be_left_alone(target: TargetServer) -> None:
    result = await check(target.url("redirect/1"), follow_redirects=False)
    assert (result.status, result.status_code) == (Status.DOWN, 302)
    result = await check(target.url("redirect/1"), follow_redirects=False, expected_status="302")
    assert result.status == Status.UP


async def test_a_redirect_to_a_non_http_url_is_down(target: TargetServer) -> None:
    """A redirect to file:// is never followed."""
    result = await check(target.url("redirect-to?url=file:///etc/passwd"))
    assert result.status == Status.DOWN
    assert result.failure == FailureKind.REDIRECT


async def test_the_keyword_is_searched_in_the_real_body(target: TargetServer) -> None:
    url = target.url("body?text=Welcome%20to%20Example")
    assert (await check(url, keyword="Welcome")).status == Status.UP
    missing = await check(url, keyword="Sign in")
    assert (missing.status, missing.error) == (Status.DOWN, "keyword 'Sign in' not found")
    assert (await check(url, keyword="Error", keyword_absent=True)).status == Status.UP


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
async def test_every_method_reaches_the_site_with_headers_and_body(
    target: TargetServer, method: str
) -> None:
    target.clear_requests()
    body = None if method in ("GET", "HEAD", "DELETE") else '{"ping":1}'
    result = await check(
        target.url("echo"), method=method, headers={"X-Upwatch-Test": "yes"}, body=body
    )
    assert result.status == Status.UP
    seen = [r for r in target.requests if r.path == "/echo"]
    assert seen[-1].method == method
    assert seen[-1].headers["X-Upwatch-Test"] == "yes"


async def test_a_self_signed_certificate_is_down(tls_target: TlsTargetServer) -> None:
    """A bad certificate is DOWN with a TLS error unless the monitor opts out."""
    result = await check(tls_target.url("status/200"))
    assert (result.status, result.error, result.failure) == (
        Status.DOWN,
        "TLS certificate is self-signed",
        FailureKind.TLS,
    )


async def test_a_monitor_can_opt_out_of_certificate_checks(tls_target: TlsTargetServer) -> None:
    result = await check(tls_target.url("status/200"), verify_tls=False)
    assert result.status == Status.UP


async def test_a_trusted_certificate_is_up(tls_target: TlsTargetServer) -> None:
    context = ssl.create_default_context(cafile=str(tls_target.ca_path))
    result = await check(tls_target.url("status/200"), ssl_context=context)
    assert result.status == Status.UP


async def test_an_expired_certificate_says_so(expired_tls_target: TlsTargetServer) -> None:
    context = ssl.create_default_context(cafile=str(expired_tls_target.ca_path))
    result = await check(expired_tls_target.url("status/200"), ssl_context=context)
    assert (result.status, result.error) == (Status.DOWN, "TLS certificate expired")


async def test_an_unknown_host_is_a_dns_failure() -> None:
    result = await check("http://no-such-host.invalid/")
    assert result.status == Status.DOWN
    assert result.failure == FailureKind.DNS
    assert result.error == "DNS lookup failed for no-such-host.invalid"
