"""/api/subscription (plan, checkout, cancel, portal) and /api/webhooks/stripe."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sync_server.billing.events import StripeEvents
from sync_server.billing.gateway import StripeGateway
from sync_server.billing.repository import BillingRepository
from sync_server.billing.schemas import CheckoutIn, LinkPublic, SubscriptionPublic, WebhookAnswer
from sync_server.billing.service import NOT_CONFIGURED, BillingService
from sync_server.billing.signature import verified_event
from sync_server.deps import CurrentDep, SessionDep, SettingsDep
from sync_server.errors import Unavailable, error_responses

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/subscription", tags=["billing"], responses=error_responses(401, 403, 503)
)
webhooks = APIRouter(prefix="/api/webhooks", tags=["billing"], responses=error_responses(503))
pages = APIRouter(prefix="/billing", tags=["billing"], include_in_schema=False)


def gateway_of(request: Request) -> StripeGateway | None:
    """The app's Stripe gateway, or None when billing is not configured."""
    gateway: StripeGateway | None = request.app.state.stripe
    return gateway


async def get_service(
    request: Request, session: SessionDep, settings: SettingsDep
) -> BillingService:
    """The billing service on this request's unit of work."""
    return BillingService(BillingRepository(session), settings, gateway_of(request))


ServiceDep = Annotated[BillingService, Depends(get_service)]


@router.get("")
def get_subscription(current: CurrentDep, service: ServiceDep) -> SubscriptionPublic:
    """Your plan, its limits and the subscription behind it (free: status "none")."""
    return service.view(current[0])


@router.post("/checkout", responses=error_responses(404, 409, 422))
def checkout(body: CheckoutIn, current: CurrentDep, service: ServiceDep) -> LinkPublic:
    """A Stripe Checkout page for a paid plan: open its URL in the browser."""
    return LinkPublic(url=service.checkout(current[0], body.plan))


@router.post("/cancel", responses=error_responses(404))
def cancel(current: CurrentDep, service: ServiceDep) -> SubscriptionPublic:
    """Cancel at the end of the paid period; the plan holds until then."""
    return service.cancel(current[0])


@router.post("/portal", responses=error_responses(404))
def portal(current: CurrentDep, service: ServiceDep) -> LinkPublic:
    """Stripe's billing portal (card, invoices, plan changes): open its URL in the browser."""
    return LinkPublic(url=service.portal(current[0]))


@webhooks.post("/stripe", responses=error_responses(400))
async def stripe_webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookAnswer:
    """Stripe's events, verified against the raw body with the endpoint secret."""
    gateway = gateway_of(request)
    if gateway is None or not settings.stripe_webhook_secret:
        raise Unavailable(NOT_CONFIGURED)
    event = verified_event(await request.body(), stripe_signature, settings.stripe_webhook_secret)
    plans_by_price = {price: plan for plan, price in settings.stripe_prices.items()}
    handler = StripeEvents(BillingRepository(session), gateway, plans_by_price)
    outcome = await run_in_threadpool(handler.handle, event)
    log.info("stripe event %s (%s): %s", event["id"], event.get("type"), outcome)
    return WebhookAnswer(received=True, outcome=outcome)


_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Upwatch</title>
<body style="font: 16px system-ui, sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>{title}</h1><p>{text}</p></body></html>"""


@pages.get("/done", response_class=HTMLResponse)
def billing_done() -> str:
    """Where Stripe sends the browser back after Checkout or the portal."""
    return _PAGE.format(
        title="Thank you",
        text="You can close this page: the Upwatch app shows your plan within a few seconds.",
    )


@pages.get("/cancelled", response_class=HTMLResponse)
def billing_cancelled() -> str:
    """Where Stripe sends the browser back when Checkout was left."""
    return _PAGE.format(title="No change", text="Nothing was bought. You can close this page.")
