"""The hosted side's guard on outbound requests.

A check or webhook from the cloud must never reach loopback, private, link-local, CGNAT,
multicast, reserved or cloud-metadata addresses, in any IPv4 or IPv6 spelling. Two gates:

- `GuardedResolver` resolves a host once and refuses it when any answer is internal;
- `NetGuard.socket_factory` checks the address of every socket just before it connects,
  so an IP literal, a redirect hop or a rebinding DNS answer cannot slip past: the
  connection goes to an address that was checked.

The desktop checks localhost and the LAN on purpose and does not use this module.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA special-purpose IPv4 ranges that are not globally reachable (RFC 6890 and updates)
DENY_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class ForbiddenAddress(OSError):
    """A connection to an internal address was refused before it was made."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(errno.EACCES, f"blocked: {address} is {reason}")
        self.address = address
        self.reason = reason


def _ipv4_reason(ip: ipaddress.IPv4Address) -> str | None:
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a carrier-grade NAT address"
    if ip.is_private:
        return "a private address"
    if any(ip in network for network in DENY_V4):
        return "a reserved address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped, compatible, 6to4, NAT64."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why ip may not be reached from the cloud, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_reason(ip)
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_unspecified or ip.is_loopback:
        return "a loopback address"
    if ip in IPV4_COMPATIBLE:
        return "a deprecated IPv4-compatible address"
    embedded = _embedded_ipv4(ip)
    if embedded is not None:  # the verdict of the IPv4 address it stands for
        inner = _ipv4_reason(embedded)
        return f"an IPv6 form of {inner}" if inner else None
    if ip in NAT64_LOCAL:
        return "a local NAT64 address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_site_local or ip in ipaddress.ip_network("fc00::/7"):
        return "a private address"
    if ip.is_reserved or not ip.is_global:  # Teredo, documentation, ORCHID, ...
        return "a reserved address"
    return None


class NetGuard:
    """The policy: refuse internal addresses unless an allowlist names them (tests only)."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.allow: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(a, strict=False) for a in allow
        )

    def check(self, address: str) -> None:
        """Raise ForbiddenAddress unless address may be reached."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in network for network in self.allow):
            return
        reason = forbidden_reason(ip)
        if reason is not None:
            raise ForbiddenAddress(str(ip), reason)

    def socket_factory(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """aiohttp's socket factory: check the very address about to be connected to."""
        family, type_, proto, _, sockaddr = addr_info
        self.check(str(sockaddr[0]))
        return socket.socket(family=family, type=type_, proto=proto)

    def resolver(self) -> GuardedResolver:
        """A resolver that applies this policy to every answer."""
        return GuardedResolver(self)


class GuardedResolver(AbstractResolver):
    """Resolves once; refuses the host when any of its addresses is internal."""

    def __init__(self, guard: NetGuard, inner: AbstractResolver | None = None) -> None:
        self._guard = guard
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the host's addresses, all of them allowed; raise ForbiddenAddress."""
        answers = await self._inner.resolve(host, port, family)
        for answer in answers:
            self._guard.check(answer["host"])
        return answers

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()
