"""The hosted probe's limits against a hostile site: slow, huge, compressed, bloated.

What bounds a check (shared/http_probe.py, shared/probe.py):
- time: one total timeout (the monitor's) covers connecting, the head and the body read;
- body: read only when a keyword needs it, and then only the first BODY_READ_LIMIT bytes
  after decompression; the keyword is searched there, so a page past the cap is not an
  error;
- head: aiohttp's parser refuses a header line over 8190 bytes and more than 128 headers.
"""

import time
import tracemalloc
from dataclasses import dataclass

import pytest

from shared.clock import SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.monitor import MonitorSpec
from shared.netguard import NetGuard
from shared.probe import BODY_READ_LIMIT
from shared.result import CheckResult, FailureKind
from shared.status import Status
from tests.support.target import TargetServer, gzip_bomb

MiB = 1 << 20
LOCAL = NetGuard(allow=["127.0.0.1/32"])  # the target stands in for a public site
# Python memory a whole check may take: reading the 50 MiB body whole peaks near 150 MiB
# and inflating the 10 MiB bomb whole near 30 MiB; a capped read stays under 4 MiB.
MEMORY_BOUND = 8 * MiB
TIMEOUT_S = 2
TIMEOUT_MARGIN_S = 1.0


@dataclass(frozen=True)
class Measured:
    """A check's result with its wall time and the peak Python memory allocated meanwhile."""

    result: CheckResult
    seconds: float
    peak_bytes: int


async def measured_check(url: str, **fields: object) -> Measured:
    """Run one check through the hosted (guarded) probe, timing it and tracing its memory."""
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    probe = AiohttpProbe(guard=LOCAL)
    started = time.monotonic()
    try:
        spec = MonitorSpec.model_validate({"url": url, "interval": 60, "timeout": 5, **fields})
        result = await run_check(spec, probe=probe, clock=SystemClock())
    finally:
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        if not already_tracing:
            tracemalloc.stop()
        await probe.close()
    return Measured(result, seconds, peak - baseline)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("trickle", {"keyword": "never-sent"}),  # prompt head, the body a byte a second
        ("trickle?part=head", {}),  # the status line and headers a byte a second
    ],
)
async def test_a_site_that_trickles_one_byte_a_second_times_out_on_time(
    target: TargetServer, path: str, fields: dict[str, object]
) -> None:
    """A slow drip never resets the clock; the total timeout ends the check."""
    target.clear_requests()
    checked = await measured_check(target.url(path), timeout=TIMEOUT_S, **fields)
    assert checked.result.status == Status.DOWN
    assert checked.result.failure == FailureKind.TIMEOUT
    assert checked.result.error == f"timeout after {TIMEOUT_S} s"
    assert TIMEOUT_S - 0.1 <= checked.seconds <= TIMEOUT_S + TIMEOUT_MARGIN_S
    assert target.count("/trickle") == 1  # the drip was under way, not a failed connect


async def test_a_50_mib_body_is_read_only_up_to_the_cap(target: TargetServer) -> None:
    """The keyword is found at the start, not at the end; memory stays bounded."""
    url = target.url(f"bulk?size={50 * MiB}")
    at_start = await measured_check(url, keyword="first")
    at_end = await measured_check(url, keyword="last")
    assert at_start.result.status == Status.UP
    assert at_end.result.status == Status.DOWN
    assert at_end.result.failure == FailureKind.KEYWORD
    assert at_end.result.error == "keyword 'last' not found"
    for checked in (at_start, at_end):
        assert checked.seconds < 5
        assert checked.peak_bytes < MEMORY_BOUND, checked.peak_bytes


async def test_a_50_mib_body_is_not_read_at_all_without_a_keyword(target: TargetServer) -> None:
    """A status-only check takes the head and drops the connection."""
    checked = await measured_check(target.url(f"bulk?size={50 * MiB}"))
    assert checked.result.status == Status.UP
    assert checked.seconds < 5
    assert checked.peak_bytes < MEMORY_BOUND, checked.peak_bytes


@pytest.mark.parametrize(
    ("size", "status"),
    [(BODY_READ_LIMIT, Status.UP), (BODY_READ_LIMIT + 1, Status.DOWN)],
)
async def test_the_cap_falls_exactly_on_the_body_read_limit(
    target: TargetServer, size: int, status: Status
) -> None:
    """A keyword ending on the cap's last byte is found; one byte later it is not."""
    checked = await measured_check(target.url(f"bulk?size={size}"), keyword="last")
    assert checked.result.status == status


async def test_a_gzip_bomb_is_inflated_only_up_to_the_cap(target: TargetServer) -> None:
    """A few KiB of gzip that inflate to 10 MiB are read to the cap, no further."""
    size = 10 * MiB
    assert len(gzip_bomb(size)) < 64 * 1024
    url = target.url(f"gzip-bomb?size={size}")
    at_start = await measured_check(url, keyword="first")
    at_end = await measured_check(url, keyword="last")
    assert at_start.result.status == Status.UP  # it was inflated: "first" is not on the wire
    assert at_end.result.status == Status.DOWN
    assert at_end.result.error == "keyword 'last' not found"
    for checked in (at_start, at_end):
        assert checked.seconds < 5
        assert checked.peak_bytes < MEMORY_BOUND, checked.peak_bytes


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Bloat": "a" * (64 * 1024)},  # one 64 KiB header
        {f"X-Bloat-{n}": "a" for n in range(200)},  # more headers than the parser takes
    ],
    ids=["one-64-KiB-header", "200-headers"],
)
async def test_a_bloated_response_head_is_refused(
    target: TargetServer, switch_name: str, headers: dict[str, str]
) -> None:
    """The head is bounded (8190-byte lines, 128 headers): more is DOWN, not read on."""
    target.set_switch(switch_name, headers=headers)
    checked = await measured_check(target.switch_url(switch_name))
    assert checked.result.status == Status.DOWN
    assert checked.result.failure == FailureKind.PROTOCOL
    assert checked.result.error is not None
    assert checked.result.error.startswith("invalid response:")
    assert checked.result.status_code is None
