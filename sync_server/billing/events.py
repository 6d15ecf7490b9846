"""Stripe webhook events: each processed once, in any order, ending in Stripe's state.

Every subscription event re-reads the subscription from Stripe instead of trusting the
event's copy: an older event arriving late then changes nothing. The claim of the
event id is in the same transaction as its effects.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from sync_server.billing.gateway import StripeGateway
from sync_server.billing.plan_change import apply_subscription
from sync_server.billing.repository import BillingRepository
from sync_server.billing.tables import Subscription

log = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated",
     "customer.subscription.deleted"}
)  # fmt: skip
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})


class StripeEvents:
    """Applies verified webhook events to accounts."""

    def __init__(
        self, repo: BillingRepository, gateway: StripeGateway, plans_by_price: dict[str, str]
    ) -> None:
        self.repo = repo
        self.gateway = gateway
        self.plans_by_price = plans_by_price

    def handle(self, event: dict[str, Any]) -> str:
        """Apply one event; return what became of it (for the log)."""
        kind, event_id = str(event.get("type", "")), str(event["id"])
        if bool(event.get("livemode")) != self.gateway.livemode:
            log.error("stripe event %s (%s) is for the other mode: ignored", event_id, kind)
            return "ignored: live/test mode mismatch"
        if not self.repo.claim_event(event_id, kind):
            return "duplicate"
        thing = (event.get("data") or {}).get("object") or {}
        if kind == "checkout.session.completed":
            return self._checkout_completed(thing)
        if kind in SUBSCRIPTION_EVENTS:
            return self._refresh(thing.get("id"), thing.get("customer"), thing.get("metadata"))
        if kind in INVOICE_EVENTS:
            outcome = self._refresh(_invoice_subscription(thing), thing.get("customer"), None)
            if kind == "invoice.payment_failed":
                self._payment_failed(thing)
            return outcome
        return "ignored: not an event we use"

    def _checkout_completed(self, session: dict[str, Any]) -> str:
        user_id = _uuid(session.get("client_reference_id"))
        user = self.repo.user(user_id) if user_id is not None else None
        if user is None:
            log.warning("checkout %s names no account of ours: ignored", session.get("id"))
            return "ignored: unknown account"
        row = self.repo.subscription(user.id) or Subscription(
            user_id=user.id, plan="free", status="none"
        )
        row.stripe_customer_id = session.get("customer") or row.stripe_customer_id
        self.repo.save(row)
        return self._refresh(session.get("subscription"), row.stripe_customer_id, None)

    def _refresh(self, subscription_id: Any, customer: Any, metadata: dict[str, Any] | None) -> str:
        row = self.repo.by_customer(str(customer)) if customer else None
        if row is None and metadata:
            found = _uuid(metadata.get("user_id"))
            row = self.repo.subscription(found) if found is not None else None
        if row is None or not subscription_id:
            log.warning("stripe subscription %s is of no account of ours", subscription_id)
            return "ignored: unknown customer"
        user = self.repo.user(row.user_id)
        if user is None:
            return "ignored: account deleted"
        current = self.gateway.subscription(str(subscription_id))
        apply_subscription(self.repo, user, row, current, self.plans_by_price)
        return f"applied: {row.plan} ({row.status})"

    def _payment_failed(self, invoice: dict[str, Any]) -> None:
        row = self.repo.by_customer(str(invoice.get("customer") or ""))
        if row is None:
            return
        attempt = int(invoice.get("attempt_count") or 1)
        # one notice per failed attempt, even when it comes again under a new event id
        if invoice.get("id") and not self.repo.claim_event(
            _failure_key(str(invoice["id"]), attempt), "invoice.payment_failed.notice"
        ):
            return
        row.notice = (
            f"Your last payment failed (attempt {attempt}); Stripe tries again over the next"
            " days. Update your card with Manage billing to keep the paid plan."
        )
        self.repo.save(row)


def _failure_key(invoice_id: str, attempt: int) -> str:
    """Return the processed-event key of one failed attempt to pay one invoice."""
    key = f"payment_failed:{invoice_id}:{attempt}"
    if len(key) <= 100:  # the key column's width; Stripe ids may be longer
        return key
    return "payment_failed:" + hashlib.sha256(key.encode()).hexdigest()


def _invoice_subscription(invoice: dict[str, Any]) -> Any:
    # older API versions: invoice.subscription; newer: invoice.parent.subscription_details
    if invoice.get("subscription"):
        return invoice["subscription"]
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return details.get("subscription")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
