"""Subscriptions with Stripe against a local fake Stripe API and real PostgreSQL.

A valid signature applies the event; a tampered body, a wrong secret, a missing or partial
header, an old or future timestamp: 400 and no effect. An event twice, and twice at once,
is applied once; out of order, Stripe's current state wins. The checkout's
client_reference_id links the account; unknown ones change nothing. A downgrade keeps data
and stops cloud checks beyond the plan, oldest kept. A failed payment delivered twice under
two event ids sends one notice. A failure after the claim rolls back; the redelivery
applies. Other event types and the other mode are ignored. Checkout sends its parameters
and an Idempotency-Key. No socket leaves loopback (tests/conftest.py).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.config import ServerSettings
from tests.support.api_server import SECRET
from tests.support.fake_stripe import WEBHOOK_SECRET, FakeStripe, event, signed
from tests.support.postgres import PostgresServer
from tests.sync_server.test_sync import ALICE, BOB, login

PRICES = {"starter": "price_starter", "pro": "price_pro", "business": "price_business"}


@pytest.fixture
def settings(postgres: PostgresServer, stripe_api: FakeStripe) -> ServerSettings:
    """Overrides conftest's: `client` builds its app with Stripe configured."""
    stripe_api.requests.clear()
    return ServerSettings(
        database_url=postgres.url("upwatch_test"),
        jwt_secret=SECRET,
        stripe_secret_key="sk_test_0123456789",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_price_starter=PRICES["starter"],
        stripe_price_pro=PRICES["pro"],
        stripe_price_business=PRICES["business"],
        stripe_api_base=stripe_api.base_url,
    )


def deliver(client: TestClient, body: dict[str, Any] | bytes, **signing: Any) -> Any:
    raw, headers = signed(body, **signing)
    return client.post("/api/webhooks/stripe", content=raw, headers=headers)


def plan_of(client: TestClient, who: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/api/subscription", headers=who)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def user_id(client: TestClient, who: dict[str, str]) -> str:
    return str(client.get("/api/auth/me", headers=who).json()["id"])


def upgrade(
    client: TestClient, stripe_api: FakeStripe, who: dict[str, str], plan: str = "starter"
) -> tuple[str, str]:
    """Checkout, pay (the fake now holds an active subscription), and the webhook lands."""
    assert client.post("/api/subscription/checkout", json={"plan": plan}, headers=who).is_success
    session = stripe_api.calls("/v1/checkout/sessions")[-1]
    customer_id = session.form["customer"]
    subscription_id = f"sub_{uuid.uuid4().hex[:12]}"
    stripe_api.set_subscription(
        subscription_id, customer=customer_id, status="active", price=PRICES[plan]
    )
    completed = event("checkout.session.completed", {
        "id": "cs_x", "object": "checkout.session", "customer": customer_id,
        "subscription": subscription_id, "client_reference_id": session.form["client_reference_id"],
    })  # fmt: skip
    answer = deliver(client, completed)
    assert answer.status_code == 200, answer.text
    return customer_id, subscription_id


def test_checkout_asks_stripe_for_a_subscription_with_a_stable_idempotency_key(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """Checkout sends mode, client_reference_id, our price; a double click gets the same page."""
    alice = login(client, ALICE)
    first = client.post("/api/subscription/checkout", json={"plan": "pro"}, headers=alice)
    again = client.post("/api/subscription/checkout", json={"plan": "pro"}, headers=alice)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["url"] == again.json()["url"]
    assert first.json()["url"].startswith("https://checkout.stripe.test/")
    sessions = stripe_api.calls("/v1/checkout/sessions")
    assert len(sessions) == 2
    assert sessions[0].idempotency_key == sessions[1].idempotency_key is not None
    form = sessions[0].form
    assert form["mode"] == "subscription"
    assert form["client_reference_id"] == user_id(client, alice)
    assert form["line_items[0][price]"] == "price_pro"
    assert len(stripe_api.calls("/v1/customers")) == 1  # the customer is made once
    bad = client.post("/api/subscription/checkout", json={"plan": "gold"}, headers=alice)
    assert bad.status_code == 422


def test_upgrade_plan_change_and_cancel_end_on_the_free_plan(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """Upgrade -> active -> plan change -> cancel at period end -> deleted."""
    alice = login(client, ALICE)
    assert plan_of(client, alice)["plan"] == "free"
    customer, subscription = upgrade(client, stripe_api, alice, "starter")
    now = plan_of(client, alice)
    assert (now["plan"], now["status"], now["cloud_monitors"]) == ("starter", "active", 20)
    assert now["current_period_end"] is not None
    stripe_api.set_subscription(subscription, customer=customer, status="active", price="price_pro")
    changed = event("customer.subscription.updated", stripe_api.subscriptions[subscription])
    assert deliver(client, changed).json()["outcome"] == "applied: pro (active)"
    assert plan_of(client, alice)["plan"] == "pro"
    cancelled = client.post("/api/subscription/cancel", headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancel_at_period_end"] is True
    assert cancelled.json()["plan"] == "pro"  # paid until the period ends
    stripe_api.subscriptions[subscription]["status"] = "canceled"
    deliver(client, event("customer.subscription.deleted", stripe_api.subscriptions[subscription]))
    assert plan_of(client, alice)["plan"] == "free"
    portal = client.post("/api/subscription/portal", headers=alice)
    assert portal.json()["url"].startswith("https://billing.stripe.test/")


def test_a_downgrade_keeps_every_monitor_and_stops_cloud_checks_beyond_the_plan(
    client: TestClient, db: Engine, stripe_api: FakeStripe
) -> None:
    """The oldest cloud monitors keep their checks; the rest are named in the notice."""
    alice = login(client, ALICE)
    customer, subscription = upgrade(client, stripe_api, alice, "business")
    names = []
    for n in range(22):
        body = {"name": f"site {n:02}", "url": f"https://s{n}.example.com", "cloud": True,
                "interval": 10 if n == 0 else 60}  # fmt: skip
        assert client.post("/api/monitors", json=body, headers=alice).status_code == 201
        names.append(body["name"])
    stripe_api.set_subscription(
        subscription, customer=customer, status="active", price="price_starter"
    )
    deliver(client, event("customer.subscription.updated", stripe_api.subscriptions[subscription]))
    with db.connect() as conn:
        rows = conn.execute(text("SELECT name, cloud, next_check_at IS NOT NULL, deleted"
                                 " FROM monitors ORDER BY created_at")).all()  # fmt: skip
    assert len(rows) == 22
    assert not any(row[3] for row in rows)  # nothing deleted
    cloud = [row[0] for row in rows if row[1]]
    assert cloud == names[1:21]  # 20 kept, oldest first; "site 00" is faster than 60 s
    assert all(row[2] == row[1] for row in rows)  # the workers stop at once
    notice = plan_of(client, alice)["notice"]
    assert "site 00 (every 10 s" in notice
    assert "site 21" in notice
    pulled = client.get("/api/sync/pull", headers=alice).json()["monitors"]
    assert sum(1 for m in pulled if not m["cloud"]) == 2  # desktops learn it by sync


def test_a_replayed_event_changes_nothing_even_when_both_arrive_at_once(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """An event delivered twice, and twice at once, is applied once."""
    alice = login(client, ALICE)
    _, subscription = upgrade(client, stripe_api, alice)
    stripe_api.subscriptions[subscription]["status"] = "canceled"
    deleted = event("customer.subscription.deleted", stripe_api.subscriptions[subscription])
    raw, headers = signed(deleted)

    def send(_: int) -> str:
        return str(
            client.post("/api/webhooks/stripe", content=raw, headers=headers).json()["outcome"]
        )

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, range(2)))
    assert sorted(answers) == ["applied: free (canceled)", "duplicate"]
    assert deliver(client, deleted).json()["outcome"] == "duplicate"


def test_events_out_of_order_end_in_stripes_current_state(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """A late past_due event re-reads the subscription, which is active."""
    alice = login(client, ALICE)
    _, subscription = upgrade(client, stripe_api, alice, "pro")
    newer = event("customer.subscription.updated", {**stripe_api.subscriptions[subscription]})
    older = event("customer.subscription.updated",
                  {**stripe_api.subscriptions[subscription], "status": "past_due"})  # fmt: skip
    older["created"] = newer["created"] - 60
    deliver(client, newer)
    deliver(client, older)
    assert (plan_of(client, alice)["plan"], plan_of(client, alice)["status"]) == ("pro", "active")


@pytest.mark.parametrize(
    "forge",
    ["tampered", "wrong secret", "no header", "no v1", "re-serialized", "old", "future"],
)
def test_a_webhook_that_does_not_verify_is_refused_and_changes_nothing(
    client: TestClient, stripe_api: FakeStripe, forge: str
) -> None:
    """A forged or stale signature: 400 and no effect."""
    alice = login(client, ALICE)
    _, subscription = upgrade(client, stripe_api, alice)
    stripe_api.subscriptions[subscription]["status"] = "canceled"
    body = event("customer.subscription.deleted", stripe_api.subscriptions[subscription])
    raw, headers = signed(body)
    if forge == "tampered":
        raw = raw.replace(b'"canceled"', b'"active"')
    elif forge == "wrong secret":
        raw, headers = signed(body, secret="whsec_someone_else")
    elif forge == "no header":
        headers.pop("Stripe-Signature")
    elif forge == "no v1":
        headers["Stripe-Signature"] = headers["Stripe-Signature"].split(",")[0]
    elif forge == "re-serialized":
        raw = json.dumps(json.loads(raw), indent=2).encode()
    elif forge in ("old", "future"):
        import time

        shift = -600 if forge == "old" else 600
        raw, headers = signed(body, at=int(time.time()) + shift)
    answer = client.post("/api/webhooks/stripe", content=raw, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_request"
    assert plan_of(client, alice)["plan"] == "starter"


def test_unknown_accounts_other_types_and_the_other_mode_are_ignored(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """An unknown account, another event type or the other mode: ignored."""
    alice = login(client, ALICE)
    stranger = event("checkout.session.completed", {
        "id": "cs_1", "customer": "cus_1", "subscription": "sub_1",
        "client_reference_id": str(uuid.uuid4())})  # fmt: skip
    assert deliver(client, stranger).json()["outcome"] == "ignored: unknown account"
    assert (
        deliver(client, event("charge.refunded", {"id": "ch_1"}))
        .json()["outcome"]
        .startswith("ignored")
    )
    live = event("checkout.session.completed", {"client_reference_id": user_id(client, alice)},
                 livemode=True)  # fmt: skip
    assert deliver(client, live).json()["outcome"] == "ignored: live/test mode mismatch"
    assert plan_of(client, alice)["plan"] == "free"


def test_a_failure_after_the_claim_rolls_back_and_the_redelivery_applies(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """No event is "seen but not applied"."""
    alice = login(client, ALICE)
    customer, subscription = upgrade(client, stripe_api, alice, "starter")
    stripe_api.set_subscription(subscription, customer=customer, status="active", price="price_pro")
    changed = event("customer.subscription.updated", stripe_api.subscriptions[subscription])
    stripe_api.fail_next = 3  # the re-read fails (the client retries twice)
    failed = deliver(client, changed)
    assert failed.status_code == 503
    assert plan_of(client, alice)["plan"] == "starter"
    assert deliver(client, changed).json()["outcome"] == "applied: pro (active)"


def test_a_failed_payment_keeps_the_plan_and_tells_the_account(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    alice = login(client, ALICE)
    customer, subscription = upgrade(client, stripe_api, alice, "starter")
    stripe_api.subscriptions[subscription]["status"] = "past_due"
    invoice = {"id": "in_1", "object": "invoice", "customer": customer,
               "subscription": subscription, "attempt_count": 2}  # fmt: skip
    deliver(client, event("invoice.payment_failed", invoice))
    shown = plan_of(client, alice)
    assert (shown["plan"], shown["status"]) == ("starter", "past_due")
    assert "payment failed (attempt 2)" in shown["notice"]


def test_a_failed_payment_delivered_twice_tells_the_account_once(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """The same invoice.payment_failed under two event ids (same invoice, same
    attempt_count) gives one notice; the next attempt's failure gives a new one."""
    alice = login(client, ALICE)
    customer, subscription = upgrade(client, stripe_api, alice, "starter")
    stripe_api.subscriptions[subscription]["status"] = "past_due"
    invoice = {"id": "in_f8", "object": "invoice", "customer": customer,
               "subscription": subscription, "attempt_count": 2}  # fmt: skip
    first = event("invoice.payment_failed", invoice)
    assert deliver(client, first).status_code == 200
    assert "payment failed (attempt 2)" in plan_of(client, alice)["notice"]
    stripe_api.set_subscription(subscription, customer=customer, status="active", price="price_pro")
    changed = event("customer.subscription.updated", stripe_api.subscriptions[subscription])
    deliver(client, changed)  # an upgrade: the old notice is cleared
    assert plan_of(client, alice)["notice"] is None
    again = event("invoice.payment_failed", invoice)
    assert again["id"] != first["id"]
    assert deliver(client, again).status_code == 200
    assert plan_of(client, alice)["notice"] is None  # not told a second time
    deliver(client, event("invoice.payment_failed", {**invoice, "attempt_count": 3}))
    assert "payment failed (attempt 3)" in plan_of(client, alice)["notice"]


def test_nobody_acts_on_another_accounts_subscription(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    alice = login(client, ALICE)
    upgrade(client, stripe_api, alice, "pro")
    bob = login(client, BOB)
    assert client.post("/api/subscription/cancel", headers=bob).status_code == 404
    assert client.post("/api/subscription/portal", headers=bob).status_code == 404
    assert plan_of(client, bob)["plan"] == "free"
    assert plan_of(client, alice)["cancel_at_period_end"] is False


def test_without_stripe_settings_billing_says_so_and_the_rest_works(
    postgres: PostgresServer,
) -> None:
    from sync_server.app import create_app

    app = create_app(ServerSettings(database_url=postgres.url("upwatch_test"), jwt_secret=SECRET))
    with TestClient(app) as client:
        alice = login(client, {"email": "nora@example.com", "password": "correct horse battery"})
        assert plan_of(client, alice)["billing_available"] is False
        for path in ("/api/subscription/checkout", "/api/subscription/cancel"):
            answer = client.post(path, json={"plan": "pro"}, headers=alice)
            assert answer.status_code == 503
            assert "billing is not configured" in answer.json()["error"]["message"]
        raw, headers = signed(event("invoice.paid", {}))
        assert client.post("/api/webhooks/stripe", content=raw, headers=headers).status_code == 503
        assert client.get("/api/monitors", headers=alice).status_code == 200


def test_a_downgrade_takes_status_pages_beyond_the_plan_offline_and_keeps_them(
    client: TestClient, stripe_api: FakeStripe
) -> None:
    """A downgrade and status pages: the oldest stays published, the others answer 404 until an
    upgrade publishes them again; nothing is deleted."""
    alice = login(client, ALICE)
    customer, subscription = upgrade(client, stripe_api, alice, "starter")
    for slug in ("first-page", "second-page", "third-page"):
        made = client.post("/api/status-pages", json={"slug": slug, "title": slug}, headers=alice)
        assert made.status_code == 201, made.text
    stripe_api.subscriptions[subscription]["status"] = "canceled"
    deliver(client, event("customer.subscription.deleted", stripe_api.subscriptions[subscription]))
    pages = client.get("/api/status-pages", headers=alice).json()
    assert [(p["slug"], p["published"]) for p in pages] == [
        ("first-page", True), ("second-page", False), ("third-page", False),
    ]  # fmt: skip
    assert [client.get(f"/s/{p['slug']}").status_code for p in pages] == [200, 404, 404]
    assert "second-page, third-page went offline" in plan_of(client, alice)["notice"]
    again = {"slug": "third-page", "title": "third-page", "published": True}
    refused = client.put(f"/api/status-pages/{pages[2]['id']}", json=again, headers=alice)
    assert refused.status_code == 403
    assert "publishes 1 status page" in refused.json()["error"]["message"]
    assert customer
