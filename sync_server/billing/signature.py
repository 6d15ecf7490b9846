"""Stripe webhook signatures, checked against the raw body."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe

from sync_server.errors import BadRequest

# Stripe's default; a timestamp further off either way is refused (the library alone lets
# a timestamp from the future through)
TOLERANCE_S = 300


def verified_event(payload: bytes, header: str | None, secret: str) -> dict[str, Any]:
    """Return the event a Stripe-Signature header vouches for; raise BadRequest."""
    if not header:
        raise BadRequest("no Stripe-Signature header")
    stamps = [item[2:] for item in header.split(",") if item.startswith("t=")]
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise BadRequest("the Stripe-Signature header has no timestamp")
    if abs(time.time() - int(stamps[0])) > TOLERANCE_S:
        raise BadRequest("the Stripe-Signature timestamp is too old or in the future")
    try:
        text = payload.decode()  # Stripe signs text: the library would fail on other bytes
    except UnicodeDecodeError:
        raise BadRequest("the webhook body is not UTF-8") from None
    try:
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError:
        raise BadRequest("the Stripe-Signature does not match this body") from None
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("the webhook body is not JSON (or is nested too deep)") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise BadRequest("the webhook body is not a Stripe event")
    return event
