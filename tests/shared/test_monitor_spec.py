"""MonitorSpec validation: the one place bad monitor input is refused."""

import uuid
from datetime import datetime

import pytest
from pydantic import ValidationError

from shared.monitor import MonitorSpec


def test_it_fills_in_the_defaults_of_design_section_2() -> None:
    spec = MonitorSpec(url="https://example.com/health")
    assert spec.name == "example.com"
    assert (spec.method, spec.interval, spec.timeout) == ("GET", 300, 30.0)
    assert spec.expected_status == "200-299"
    assert spec.confirmations == 2
    assert spec.follow_redirects is True
    assert spec.recheck_after == 20.0


@pytest.mark.parametrize("interval", [10, 12, 15, 20, 30, 45, 60, 80, 120, 300, 3600, 86400])
def test_an_outage_alerts_within_one_and_a_half_intervals_with_two_confirmations(
    interval: int,
) -> None:
    """Worst case: the site goes down just after a check; the next check fails, its
    recheck confirms."""
    recheck = MonitorSpec(url="http://a.example", interval=interval).recheck_after
    assert 5 <= recheck <= 20
    assert interval + recheck <= 1.5 * interval


def test_a_short_interval_shortens_the_default_timeout() -> None:
    spec = MonitorSpec.model_validate({"url": "http://a.example", "interval": 10})
    assert spec.timeout == 10.0


def test_the_seeds_integer_expected_status_still_works() -> None:
    assert MonitorSpec(url="http://a.example", expected_status=200).expected_status == "200"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "gopher://example.com",
        "example.com",
        "http://",
        "http://exa mple.com",
        "http://example.com:99999/",
        "",
    ],
)
def test_it_refuses_urls_that_are_not_http(url: str) -> None:
    """The desktop rejects file://, ftp://, javascript: and data: URLs."""
    with pytest.raises(ValidationError):
        MonitorSpec(name="x", url=url)


@pytest.mark.parametrize(
    "url", ["http://localhost:8080/", "http://127.0.0.1/", "http://[::1]:9/", "http://192.168.1.10"]
)
def test_the_desktop_may_check_localhost_and_the_lan(url: str) -> None:
    """Local and LAN addresses are what a desktop monitor is for."""
    assert MonitorSpec(url=url).url == url


@pytest.mark.parametrize(
    "headers",
    [
        {"Bad Name": "x"},
        {"X-Test": "a\r\nInjected: 1"},
        {"X-Test": "nul\x00"},
        {"Content-Length": "5"},
        {"Transfer-Encoding": "chunked"},
        {"Connection": "close"},
    ],
)
def test_it_refuses_headers_that_would_break_the_request(headers: dict[str, str]) -> None:
    """On the desktop too, CR/LF/NUL and framing headers are refused at input."""
    with pytest.raises(ValidationError):
        MonitorSpec(url="http://a.example", headers=headers)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("interval", 4),
        ("interval", 0),
        ("timeout", 0),
        ("timeout", 500),
        ("confirmations", 0),
        ("confirmations", 11),
        ("method", "TRACE"),
        ("degraded_after_ms", 0),
        ("expected_status", "abc"),
    ],
)
def test_it_refuses_out_of_range_fields(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        MonitorSpec.model_validate({"url": "http://a.example", "interval": 60, field: value})


def test_timeout_longer_than_the_interval_is_refused() -> None:
    with pytest.raises(ValidationError, match="must not be longer than the interval"):
        MonitorSpec(url="http://a.example", interval=10, timeout=20)


def test_head_with_a_keyword_is_refused() -> None:
    with pytest.raises(ValidationError, match="HEAD"):
        MonitorSpec(url="http://a.example", method="HEAD", keyword="ok")


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError):
        MonitorSpec(url="http://a.example", created_at=datetime(2026, 1, 1))


def test_a_spec_round_trips_through_json_exactly() -> None:
    spec = MonitorSpec(
        id=uuid.uuid4(),
        url="https://api.example.com/v1",
        method="POST",
        headers={"Authorization": "Bearer x"},
        body='{"ping": true}',
        expected_status="200-299,301",
        keyword="ok",
        keyword_absent=True,
        degraded_after_ms=800,
        follow_redirects=False,
        confirmations=3,
        reminder_minutes=30,
        interval=60,
        timeout=15,
    )
    assert MonitorSpec.model_validate_json(spec.model_dump_json()) == spec
