"""BillingService: what an account does about its plan (view, checkout, cancel, portal)."""

from __future__ import annotations

import time

from sync_server.auth.tables import User
from sync_server.billing.gateway import StripeGateway
from sync_server.billing.plan_change import PAID_STATUSES, apply_subscription
from sync_server.billing.repository import BillingRepository
from sync_server.billing.schemas import SubscriptionPublic
from sync_server.billing.tables import Subscription
from sync_server.config import ServerSettings
from sync_server.errors import Conflict, Invalid, NotFound, Unavailable
from sync_server.plans import plan_of

NOT_CONFIGURED = "billing is not configured on this server (no Stripe settings)"
# one Checkout Session per account and plan in this window: a double click gets the same one
CHECKOUT_KEY_WINDOW_S = 600


class BillingService:
    """Use cases on one account's subscription."""

    def __init__(
        self, repo: BillingRepository, settings: ServerSettings, gateway: StripeGateway | None
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.gateway = gateway

    def view(self, user: User) -> SubscriptionPublic:
        """Return the plan in force and the subscription behind it."""
        row = self.repo.subscription(user.id)
        plan = plan_of(user.plan)
        return SubscriptionPublic(
            plan=plan.name,
            status=row.status if row is not None else "none",
            current_period_end=row.current_period_end if row is not None else None,
            cancel_at_period_end=row.cancel_at_period_end if row is not None else False,
            notice=row.notice if row is not None else None,
            billing_available=self.gateway is not None,
            synced_monitors=plan.synced_monitors,
            cloud_monitors=plan.cloud_monitors,
            fastest_cloud_interval_s=plan.fastest_cloud_interval_s,
            status_pages=plan.status_pages,
            raw_history_days=plan.raw_history_days,
        )

    def checkout(self, user: User, plan: str) -> str:
        """Return the URL of a Stripe Checkout page for the plan; raise Unavailable, Invalid,
        Conflict."""
        gateway = self._gateway()
        price = self.settings.stripe_prices.get(plan)
        if price is None:
            raise Invalid(f"plan: {plan} cannot be bought on this server")
        row = self.repo.subscription(user.id) or Subscription(
            user_id=user.id, plan="free", status="none"
        )
        if row.status in PAID_STATUSES:
            raise Conflict(f"you have the {row.plan} plan; change or cancel it with Manage billing")
        if not row.stripe_customer_id:
            row.stripe_customer_id = gateway.create_customer(user.email, str(user.id))
            self.repo.save(row)
        window = int(time.time() // CHECKOUT_KEY_WINDOW_S)
        base = self.settings.public_origin
        return gateway.create_checkout(
            customer=row.stripe_customer_id,
            price=price,
            user_id=str(user.id),
            urls=(f"{base}/billing/done", f"{base}/billing/cancelled"),
            key=f"checkout-{user.id}-{plan}-{window}",
        )

    def cancel(self, user: User) -> SubscriptionPublic:
        """Cancel at the end of the paid period (the plan holds until then); raise NotFound."""
        gateway = self._gateway()
        row = self.repo.subscription(user.id)
        if row is None or not row.stripe_subscription_id or row.status not in PAID_STATUSES:
            raise NotFound("no paid subscription to cancel")
        current = gateway.cancel_at_period_end(row.stripe_subscription_id)
        locked = self.repo.user(user.id)
        assert locked is not None
        apply_subscription(self.repo, locked, row, current, self._plans_by_price())
        return self.view(locked)

    def portal(self, user: User) -> str:
        """Return the URL of Stripe's billing portal (card, invoices, plan); raise NotFound."""
        gateway = self._gateway()
        row = self.repo.subscription(user.id)
        if row is None or not row.stripe_customer_id:
            raise NotFound("no billing account yet: upgrade first")
        return gateway.create_portal(
            customer=row.stripe_customer_id,
            return_url=f"{self.settings.public_origin}/billing/done",
        )

    def _gateway(self) -> StripeGateway:
        if self.gateway is None:
            raise Unavailable(NOT_CONFIGURED)
        return self.gateway

    def _plans_by_price(self) -> dict[str, str]:
        return {price: plan for plan, price in self.settings.stripe_prices.items()}
