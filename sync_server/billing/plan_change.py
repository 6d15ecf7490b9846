"""A subscription as Stripe has it, applied to the account: plan, limits, what was paused.

A downgrade keeps every monitor and its history; it stops cloud checks beyond the new plan
(the oldest monitors keep theirs; intervals faster than the plan allows stop too), takes
status pages beyond it offline (the oldest stay published) and says which. The workers only
check cloud monitors, so they stop at once; the desktops learn it by sync and alert for
those monitors themselves again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sync_server.auth.tables import User
from sync_server.billing.repository import BillingRepository
from sync_server.billing.tables import Subscription
from sync_server.plans import Plan, plan_of
from sync_server.sync.hub import announce

# statuses in which the paid plan holds (Stripe retries a failed payment while past_due)
PAID_STATUSES = frozenset({"active", "trialing", "past_due"})


def plan_name(subscription: dict[str, Any], plans_by_price: dict[str, str]) -> str:
    """Return the plan a Stripe subscription gives ("free" unless it is paid for)."""
    if subscription.get("status") not in PAID_STATUSES:
        return "free"
    items = (subscription.get("items") or {}).get("data") or []
    price = ((items[0].get("price") or {}).get("id")) if items else None
    return plans_by_price.get(str(price), "free")


def apply_subscription(
    repo: BillingRepository,
    user: User,
    row: Subscription,
    subscription: dict[str, Any],
    plans_by_price: dict[str, str],
) -> None:
    """Mirror a Stripe subscription on the account and enforce the plan it gives."""
    new_plan = plan_name(subscription, plans_by_price)
    row.plan, row.status = new_plan, str(subscription.get("status", "unknown"))[:30]
    row.stripe_subscription_id = subscription.get("id") or row.stripe_subscription_id
    row.stripe_customer_id = subscription.get("customer") or row.stripe_customer_id
    row.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    row.current_period_end = _period_end(subscription)
    previous = plan_of(user.plan)
    repo.set_plan(user, new_plan)
    stopped = enforce_plan(repo, user.id, plan_of(new_plan))
    hidden = enforce_page_limit(repo, user.id, plan_of(new_plan))
    notices = []
    if stopped:
        notices.append(
            f"On the {new_plan} plan the cloud stopped checking {', '.join(stopped)}."
            " Their history is kept and this computer checks them; upgrade to check them"
            " from the cloud again."
        )
    if hidden:
        notices.append(
            f"The {new_plan} plan publishes {plan_of(new_plan).status_pages} status page(s):"
            f" {', '.join(hidden)} went offline (kept; upgrade to publish them again)."
        )
    if notices:
        row.notice = " ".join(notices)
    elif plan_of(new_plan).cloud_monitors > previous.cloud_monitors:
        row.notice = None  # an upgrade: old news
    repo.save(row)
    announce(repo.session, user.id)


def enforce_plan(repo: BillingRepository, user_id: uuid.UUID, plan: Plan) -> list[str]:
    """Stop cloud checks the plan does not allow (oldest monitors keep theirs); return the
    names, each with why."""
    kept, stopped, ids = 0, [], []
    fastest = plan.fastest_cloud_interval_s
    for monitor_id, name, interval in repo.cloud_monitors(user_id):
        if fastest is not None and interval < fastest:
            stopped.append(f"{name} (every {interval} s; the plan's fastest is {fastest} s)")
        elif kept < plan.cloud_monitors:
            kept += 1
            continue
        else:
            stopped.append(name)
        ids.append(monitor_id)
    repo.stop_cloud_checks(user_id, ids)
    return stopped


def enforce_page_limit(repo: BillingRepository, user_id: uuid.UUID, plan: Plan) -> list[str]:
    """Unpublish status pages beyond the plan's (the oldest stay up); return their slugs."""
    if plan.status_pages is None:
        return []
    extra = repo.published_pages(user_id)[plan.status_pages :]
    repo.unpublish(user_id, [page_id for page_id, _ in extra])
    return [slug for _, slug in extra]


def _period_end(subscription: dict[str, Any]) -> datetime | None:
    # newer API versions keep the period on the subscription's items
    end = subscription.get("current_period_end")
    if end is None:
        items = (subscription.get("items") or {}).get("data") or []
        end = items[0].get("current_period_end") if items else None
    return datetime.fromtimestamp(int(end), UTC) if end else None
