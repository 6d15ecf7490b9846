"""A local stand-in for Stripe's API (the one thing the tests cannot reach), and webhook
signing with Stripe's real scheme.

It speaks the part of the protocol billing uses: form-encoded POSTs, JSON answers with
`object` fields, Idempotency-Key replays, Stripe's error shape. Tests set the subscriptions
it holds and read the requests it got.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.support.threaded_app import ThreadedAiohttpServer

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"


def billing_settings(secret_key: str, api_base: str) -> dict[str, Any]:
    """The ServerSettings fields that turn billing on, against Stripe's API at api_base."""
    return {
        "stripe_secret_key": secret_key,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_price_starter": "price_starter",
        "stripe_price_pro": "price_pro",
        "stripe_price_business": "price_business",
        "stripe_api_base": api_base,
    }


@dataclass(frozen=True)
class StripeRequest:
    """One request the fake got: method, path, form fields and the Idempotency-Key."""

    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None


class FakeStripe(ThreadedAiohttpServer):
    """Customers, Checkout and portal sessions, subscriptions."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.requests: list[StripeRequest] = []
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self._replies: dict[str, dict[str, Any]] = {}  # by idempotency key
        self.fail_next: int = 0  # answer this many requests with a 500

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    def set_subscription(
        self,
        subscription_id: str,
        *,
        customer: str,
        status: str,
        price: str,
        cancel_at_period_end: bool = False,
        period_end: int | None = None,
    ) -> dict[str, Any]:
        """Hold a subscription as Stripe would have it now; return it."""
        end = period_end or int(time.time()) + 30 * 86400
        subscription = {
            "id": subscription_id, "object": "subscription", "customer": customer,
            "status": status, "cancel_at_period_end": cancel_at_period_end, "livemode": False,
            "metadata": {},
            "items": {"object": "list", "data": [
                {"id": f"si_{subscription_id}", "object": "subscription_item",
                 "price": {"id": price, "object": "price"}, "current_period_end": end},
            ]},
        }  # fmt: skip
        with self._lock:
            self.subscriptions[subscription_id] = subscription
        return subscription

    def calls(self, path: str) -> list[StripeRequest]:
        """The requests made to path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    async def _handle(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl(await request.text(), keep_blank_values=True))
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append(StripeRequest(request.method, request.path, form, key))
            if self.fail_next > 0:
                self.fail_next -= 1
                return _error(500, "api_error", "Stripe is having a bad day")
            if key is not None and key in self._replies:
                return web.json_response(self._replies[key])
            reply = self._answer(request.method, request.path, form)
            if reply is None:
                return _error(404, "invalid_request_error", f"No such object: {request.path}")
            if key is not None:
                self._replies[key] = reply
        return web.json_response(reply)

    def _answer(self, method: str, path: str, form: dict[str, str]) -> dict[str, Any] | None:
        n = next(self._ids)
        if (method, path) == ("POST", "/v1/customers"):
            return {"id": f"cus_{n}", "object": "customer", "email": form.get("email")}
        if (method, path) == ("POST", "/v1/checkout/sessions"):
            return {"id": f"cs_{n}", "object": "checkout.session", "mode": form.get("mode"),
                    "url": f"https://checkout.stripe.test/c/pay/cs_{n}",
                    "client_reference_id": form.get("client_reference_id")}  # fmt: skip
        if (method, path) == ("POST", "/v1/billing_portal/sessions"):
            return {"id": f"bps_{n}", "object": "billing_portal.session",
                    "url": f"https://billing.stripe.test/p/session/bps_{n}"}  # fmt: skip
        if path.startswith("/v1/subscriptions/"):
            found = self.subscriptions.get(path.rsplit("/", 1)[1])
            if found is not None and method == "POST" and "cancel_at_period_end" in form:
                found["cancel_at_period_end"] = form["cancel_at_period_end"] == "true"
            return found
        return None


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)


def event(kind: str, thing: dict[str, Any], *, livemode: bool = False) -> dict[str, Any]:
    """A Stripe event of this type about thing (a subscription, a session, an invoice)."""
    return {
        "id": f"evt_{kind.replace('.', '_')}_{time.monotonic_ns()}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": livemode,
        "data": {"object": thing},
    }


def signed(
    body: dict[str, Any] | bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """Return the raw body and the Stripe-Signature header Stripe would send with it."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, {"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}
