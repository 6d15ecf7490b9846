"""Billing bodies: the subscription as the account sees it, checkout and portal links."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class SubscriptionPublic(BaseModel):
    """The plan in force, its limits, and the subscription behind it."""

    plan: str
    status: str  # "none" on the free plan, else Stripe's: active, past_due, canceled...
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    notice: str | None = None  # what a downgrade paused, or a failed payment
    billing_available: bool = False  # False: this server has no Stripe settings
    synced_monitors: int
    cloud_monitors: int
    fastest_cloud_interval_s: int | None
    status_pages: int | None
    raw_history_days: int


class CheckoutIn(BaseModel):
    """Which paid plan to buy."""

    model_config = ConfigDict(extra="forbid")

    plan: Literal["starter", "pro", "business"]


class LinkPublic(BaseModel):
    """A page at Stripe to open in the browser."""

    url: str


class WebhookAnswer(BaseModel):
    """What became of a webhook event."""

    received: bool
    outcome: str
