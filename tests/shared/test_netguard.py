"""The hosted side's outbound guard: hostile addresses, redirect tricks, DNS rebinding."""

import ipaddress
import socket
from urllib.parse import quote

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.clock import SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.monitor import MonitorSpec
from shared.netguard import GuardedResolver, NetGuard, forbidden_reason
from shared.result import CheckResult, FailureKind
from shared.status import Status
from tests.support.target import TargetServer

HOSTILE = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # AWS / GCP / Azure metadata
    "169.254.170.2",  # ECS task metadata
    "100.64.0.1",  # CGNAT
    "100.100.100.200",  # Alibaba metadata (in CGNAT space)
    "192.0.0.8",
    "198.18.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "::8.8.8.8",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::1",  # local-use NAT64
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    "fc00::1",
    "fd12:3456::1",  # ULA
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",
    "ff02::1",
    "2001:db8::1",  # documentation
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", HOSTILE)
def test_every_internal_address_form_is_refused(address: str) -> None:
    """Loopback, private, link-local, CGNAT, metadata, multicast, reserved, IPv6 forms."""
    assert forbidden_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) is None


# The IANA special-purpose ranges, written out here apart from the code under test.
DENY_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
]  # fmt: skip


@given(st.ip_addresses(v=4))
def test_ipv4_is_allowed_exactly_outside_the_deny_ranges(ip: ipaddress.IPv4Address) -> None:
    """allows(ip) ⇔ ip is in no deny range."""
    denied = any(ip in network for network in DENY_V4)
    assert (forbidden_reason(ip) is not None) == denied


@given(st.ip_addresses(v=4))
def test_ipv6_forms_of_an_ipv4_address_get_its_verdict(ip: ipaddress.IPv4Address) -> None:
    """Mapped, 6to4 and NAT64 forms are refused whenever the IPv4 address is."""
    denied = forbidden_reason(ip) is not None
    forms = [
        ipaddress.IPv6Address(f"::ffff:{ip}"),
        ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80) | 1),
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(ip)),
    ]
    for form in forms:
        if denied:
            assert forbidden_reason(form) is not None, form


async def guarded_check(url: str, guard: NetGuard, **fields: object) -> CheckResult:
    probe = AiohttpProbe(guard=guard)
    try:
        spec = MonitorSpec.model_validate({"url": url, "interval": 60, "timeout": 5, **fields})
        return await run_check(spec, probe=probe, clock=SystemClock())
    finally:
        await probe.close()


async def test_the_cloud_cannot_check_loopback_by_address_or_by_name(target: TargetServer) -> None:
    """127.0.0.1 and localhost are refused before any connection; nothing reaches them."""
    target.clear_requests()
    by_ip = await guarded_check(target.url("status/200"), NetGuard())
    by_name = await guarded_check(f"http://localhost:{target.port}/status/200", NetGuard())
    for result in (by_ip, by_name):
        assert result.status == Status.DOWN
        assert result.failure == FailureKind.BLOCKED
        assert result.error is not None
        assert "loopback" in result.error
    assert target.count() == 0


async def test_an_allowlisted_address_is_checked_normally(target: TargetServer) -> None:
    """The allowlist (empty by default) is how tests reach the local target."""
    result = await guarded_check(target.url("status/200"), NetGuard(allow=["127.0.0.1/32"]))
    assert result.status == Status.UP


BLOCKED = {FailureKind.BLOCKED}
# yarl refuses non-canonical IPv4 spellings outright; aiohttp refuses non-HTTP redirects
UNUSABLE = {FailureKind.BLOCKED, FailureKind.CONNECT, FailureKind.DNS}


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0", "017.0.0.1"])
def test_short_and_non_decimal_ipv4_spellings_are_refused_when_a_monitor_is_saved(
    host: str,
) -> None:
    """Numbers that resolvers read as IPv4 addresses, each library its own way, are
    refused at validation on both sides (as redirect targets the guard refuses them too:
    test_every_redirect_hop_is_checked_again)."""
    with pytest.raises(ValidationError, match="four numbers"):
        MonitorSpec.model_validate({"url": f"http://{host}:8080/status/200"})


@pytest.mark.parametrize(
    ("host", "kinds"),
    [
        ("[::]", BLOCKED),
        ("localhost.", UNUSABLE),  # fully qualified; blocked wherever a resolver answers it
        ("LOCALHOST", BLOCKED),
    ],
)
async def test_odd_spellings_of_loopback_never_reach_it(
    target: TargetServer, host: str, kinds: set[FailureKind]
) -> None:
    """Other spellings of the local machine are refused or unusable, never connected to.

    Each carries the target's port, so a spelling that slipped past the guard would show
    up as a request at the target.
    """
    target.clear_requests()
    result = await guarded_check(f"http://{host}:{target.port}/status/200", NetGuard())
    assert result.status == Status.DOWN
    assert result.failure in kinds, result.error
    assert target.count() == 0


@pytest.mark.parametrize(
    ("location", "kinds"),
    [
        ("http://127.0.0.2:{port}/status/200", BLOCKED),  # another loopback address
        ("http://169.254.169.254/latest/meta-data/", BLOCKED),
        ("http://[::ffff:127.0.0.2]:{port}/", BLOCKED),
        ("http://[::1]:{port}/", BLOCKED),
        ("http://10.0.0.1/", BLOCKED),
        ("http://0x7f000002:{port}/", UNUSABLE),  # hexadecimal IPv4
        ("http://2130706434:{port}/", UNUSABLE),  # decimal IPv4 (127.0.0.2)
        ("file:///etc/passwd", {FailureKind.REDIRECT}),
        ("gopher://127.0.0.2:70/", {FailureKind.REDIRECT}),
    ],
)
async def test_every_redirect_hop_is_checked_again(
    target: TargetServer, location: str, kinds: set[FailureKind]
) -> None:
    """An allowed site redirecting inward gets no further; non-HTTP schemes neither."""
    target.clear_requests()
    hop = quote(location.format(port=target.port), safe="")
    result = await guarded_check(
        target.url(f"redirect-to?url={hop}"), NetGuard(allow=["127.0.0.1/32"])
    )
    assert result.status == Status.DOWN
    assert result.failure in kinds, result.error
    assert [r.path for r in target.requests] == ["/redirect-to"]


class ScriptedDns(AbstractResolver):
    """A DNS server under the test's control: answers in turn, then the last one again."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        batch = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [
            ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET, proto=0, flags=0)
            for a in batch
        ]

    async def close(self) -> None:
        return None


class ScriptedGuard(NetGuard):
    def __init__(self, dns: ScriptedDns, allow: list[str]) -> None:
        super().__init__(allow)
        self.dns = dns

    def resolver(self) -> GuardedResolver:
        return GuardedResolver(self, inner=self.dns)


async def test_a_rebinding_name_is_connected_to_the_address_that_was_checked(
    target: TargetServer,
) -> None:
    """The first answer is checked and used; a later internal answer is never asked for."""
    target.clear_requests()
    dns = ScriptedDns(["127.0.0.1"], ["169.254.169.254"])
    guard = ScriptedGuard(dns, allow=["127.0.0.1/32"])
    result = await guarded_check(f"http://rebind.example:{target.port}/status/200", guard)
    assert result.status == Status.UP
    assert dns.calls == 1
    assert target.count() == 1


async def test_a_name_with_any_internal_answer_is_refused(target: TargetServer) -> None:
    """One internal address among public ones refuses the whole name."""
    target.clear_requests()
    guard = ScriptedGuard(ScriptedDns(["127.0.0.1", "10.0.0.7"]), allow=["127.0.0.1/32"])
    result = await guarded_check(f"http://mixed.example:{target.port}/status/200", guard)
    assert result.failure == FailureKind.BLOCKED
    assert result.error is not None
    assert "10.0.0.7 is a private address" in result.error
    assert target.count() == 0
