"""The one plans table, read by the API and, later, the workers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Plan:
    """What an account may do in the cloud."""

    name: str
    synced_monitors: int
    cloud_monitors: int
    fastest_cloud_interval_s: int | None
    status_pages: int | None  # None: unlimited
    raw_history_days: int


# The free plan syncs up to 10 monitors and each plan checks a set number from the cloud;
# a paid plan syncs five times as many monitors as it checks from the cloud, so a
# desktop's local-only monitors fit beside the cloud ones.
PLANS: dict[str, Plan] = {
    "free": Plan("free", 10, 0, None, 1, 7),
    "starter": Plan("starter", 100, 20, 60, 3, 30),
    "pro": Plan("pro", 500, 100, 30, 10, 90),
    "business": Plan("business", 2500, 500, 10, None, 365),
}


def plan_of(name: str) -> Plan:
    """Return a plan by name (unknown names get the free plan)."""
    return PLANS.get(name, PLANS["free"])
