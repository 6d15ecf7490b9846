"""Is it the site or is it us? Network failures while this machine is offline are UNKNOWN."""

from __future__ import annotations

import ipaddress
import math
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from shared.clock import Clock
from shared.result import CheckResult, FailureKind
from shared.status import Status

EVIDENCE_WINDOW_S = 120.0
HOSTS_FOR_OFFLINE = 3


def has_route() -> bool:
    """Return False when the OS has no route to the internet (no packet is sent).

    Connecting a UDP socket only asks the kernel for a route; "network unreachable" on both
    address families means there is no usable network at all.
    """
    for family, address in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect((address, 9))
            return True
        except OSError:
            continue
    return False


def is_local_host(host: str) -> bool:
    """True for names and addresses on this machine or its LAN: never evidence of being offline."""
    host = host.strip("[]").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".lan", ".home.arpa")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class Connectivity:
    """Tells whether a failure is the checked site's or this machine's."""

    def __init__(
        self,
        clock: Clock,
        *,
        route_check: Callable[[], bool] = has_route,
        woke_until: Callable[[], float] = lambda: -math.inf,
    ) -> None:
        self._clock = clock
        self._route_check = route_check
        self._woke_until = woke_until
        self._last_remote_success = -math.inf
        self._failures: deque[tuple[float, str]] = deque(maxlen=1000)

    def classify(self, result: CheckResult, host: str) -> CheckResult:
        """Return result, turned UNKNOWN when its failure is probably our own network's."""
        now = self._clock.monotonic()
        local = is_local_host(host)
        network_failure = result.failure is not None and result.failure.may_mean_offline
        if not local and result.status.is_known and not network_failure:
            self._last_remote_success = now  # something answered: the network works
        if local or result.status != Status.DOWN or not network_failure:
            return result
        self._failures.append((now, host))
        reason = self._offline_reason(now)
        if reason is None:
            return result
        return replace(
            result,
            status=Status.UNKNOWN,
            failure=FailureKind.OFFLINE,
            error=f"{reason}: {result.error}",
        )

    def _offline_reason(self, now: float) -> str | None:
        if now < self._woke_until():
            return "just woke from sleep"
        if not self._route_check():
            return "this computer is offline"
        if now - self._last_remote_success < EVIDENCE_WINDOW_S:
            return None
        recent = {host for at, host in self._failures if now - at < EVIDENCE_WINDOW_S}
        if len(recent) >= HOSTS_FOR_OFFLINE:
            return "no site is reachable from this computer"
        return None
