"""StripeGateway: the few Stripe API calls billing makes, through StripeClient's v1 services.

Every call that creates something carries an idempotency key, so a retry (or a double click)
gets the same object back instead of a second one. Stripe errors become Unavailable (503).
"""

from __future__ import annotations

from typing import Any

import stripe

from sync_server.errors import Unavailable


class StripeGateway:
    """Customers, Checkout and portal sessions, and subscriptions."""

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        addresses: dict[str, str] = {"api": api_base} if api_base else {}
        self.client = stripe.StripeClient(
            api_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=2,
        )
        self.livemode = api_key.startswith(("sk_live_", "rk_live_"))

    def create_customer(self, email: str, user_id: str) -> str:
        """Return the id of a new customer for the account (created once per account)."""
        customer = self._call(
            lambda: self.client.v1.customers.create(
                params={"email": email, "metadata": {"user_id": user_id}},
                options={"idempotency_key": f"customer-{user_id}"},
            )
        )
        return str(customer.id)

    def create_checkout(
        self, *, customer: str, price: str, user_id: str, urls: tuple[str, str], key: str
    ) -> str:
        """Return the URL of a subscription Checkout Session for the account."""
        session = self._call(
            lambda: self.client.v1.checkout.sessions.create(
                params={
                    "mode": "subscription",
                    "customer": customer,
                    "client_reference_id": user_id,
                    "line_items": [{"price": price, "quantity": 1}],
                    "success_url": urls[0],
                    "cancel_url": urls[1],
                    "subscription_data": {"metadata": {"user_id": user_id}},
                },
                options={"idempotency_key": key},
            )
        )
        return str(session.url)

    def create_portal(self, *, customer: str, return_url: str) -> str:
        """Return the URL of a billing-portal session (cards, invoices)."""
        session = self._call(
            lambda: self.client.v1.billing_portal.sessions.create(
                params={"customer": customer, "return_url": return_url}
            )
        )
        return str(session.url)

    def cancel_at_period_end(self, subscription_id: str) -> dict[str, Any]:
        """Ask Stripe to end the subscription when the paid period ends; return it."""
        updated = self._call(
            lambda: self.client.v1.subscriptions.update(
                subscription_id, params={"cancel_at_period_end": True}
            )
        )
        return dict(updated.to_dict())

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        """Return the subscription as Stripe has it now (the truth, whatever order events
        arrive in)."""
        found = self._call(lambda: self.client.v1.subscriptions.retrieve(subscription_id))
        return dict(found.to_dict())

    @staticmethod
    def _call(request: Any) -> Any:
        try:
            return request()
        except stripe.StripeError as exc:
            message = getattr(exc, "user_message", None) or "the payment provider failed"
            raise Unavailable(f"billing: {message}; try again in a minute") from None
