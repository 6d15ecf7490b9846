"""GET /api/subscription: the account's plan and what it allows."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from sync_server.deps import CurrentDep
from sync_server.errors import error_responses
from sync_server.plans import plan_of

router = APIRouter(
    prefix="/api/subscription", tags=["billing"], responses=error_responses(401, 403)
)


class SubscriptionPublic(BaseModel):
    """The plan in force and its limits."""

    plan: str
    status: str
    synced_monitors: int
    cloud_monitors: int
    fastest_cloud_interval_s: int | None
    status_pages: int | None
    raw_history_days: int


@router.get("")
def get_subscription(current: CurrentDep) -> SubscriptionPublic:
    """Your plan; without a paid subscription it is the free plan."""
    plan = plan_of(current[0].plan)
    return SubscriptionPublic(
        plan=plan.name,
        status="active" if plan.name != "free" else "none",
        synced_monitors=plan.synced_monitors,
        cloud_monitors=plan.cloud_monitors,
        fastest_cloud_interval_s=plan.fastest_cloud_interval_s,
        status_pages=plan.status_pages,
        raw_history_days=plan.raw_history_days,
    )
