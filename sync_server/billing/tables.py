"""Subscriptions (one per account, mirrored from Stripe) and the Stripe events processed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now


class Subscription(ServerModel, table=True):
    """An account's paid plan as Stripe last told it (the free plan has no row)."""

    __tablename__ = "subscriptions"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    plan: str = Field(max_length=20)
    status: str = Field(max_length=30)
    stripe_customer_id: str | None = Field(default=None, max_length=100, index=True)
    stripe_subscription_id: str | None = Field(default=None, max_length=100, unique=True)
    current_period_end: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancel_at_period_end: bool = False
    # the Stripe event time this row reflects: older events arriving late change nothing
    stripe_event_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # for the account: what a downgrade paused, or that a payment failed
    notice: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class StripeEvent(ServerModel, table=True):
    """A Stripe webhook event id already processed: each event takes effect once."""

    __tablename__ = "stripe_events"

    id: str = Field(primary_key=True, max_length=100)
    type: str = Field(max_length=100)
    processed_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
