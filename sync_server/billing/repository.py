"""BillingRepository: subscriptions, processed events, plan changes. Flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, select

from sync_server.auth.tables import User
from sync_server.billing.tables import Subscription
from sync_server.changes import next_seq

_CLAIM_EVENT = text(
    "INSERT INTO stripe_events (id, type, processed_at) VALUES (:id, :type, now())"
    " ON CONFLICT (id) DO NOTHING RETURNING id"
)
_CLOUD_MONITORS = text(
    "SELECT id, name, interval FROM monitors WHERE user_id = :user AND cloud AND NOT deleted"
    " ORDER BY created_at, id"
)
_STOP_CLOUD = text(
    "UPDATE monitors SET cloud = false, next_check_at = NULL, updated_at = :now,"
    " changed_by = 'api', seq = :seq WHERE id = :id"
)
_PUBLISHED_PAGES = text(
    "SELECT id, slug FROM status_pages WHERE user_id = :user AND published AND NOT deleted"
    " ORDER BY created_at, id"
)
_UNPUBLISH = text(
    "UPDATE status_pages SET published = false, updated_at = :now, changed_by = 'api',"
    " seq = :seq WHERE id = :id"
)


class BillingRepository:
    """Reads and writes billing state within the request's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, user_id: uuid.UUID) -> User | None:
        """Return the account, locked until commit (plan changes one at a time)."""
        query = select(User).where(User.id == user_id).with_for_update()
        return self.session.exec(query).first()

    def subscription(self, user_id: uuid.UUID) -> Subscription | None:
        """Return the account's subscription row, if it has one."""
        return self.session.get(Subscription, user_id)

    def by_customer(self, customer_id: str) -> Subscription | None:
        """Return the subscription row of a Stripe customer."""
        query = select(Subscription).where(Subscription.stripe_customer_id == customer_id)
        return self.session.exec(query).first()

    def save(self, row: Subscription) -> None:
        """Insert or update a subscription row."""
        row.updated_at = datetime.now(UTC)
        self.session.add(row)
        self.session.flush()

    def claim_event(self, event_id: str, kind: str) -> bool:
        """Record an event as processed; False when it was before (it takes effect once).

        In the caller's transaction: a failure later rolls the claim back too, so a
        redelivery is processed again; a concurrent duplicate waits here and skips.
        """
        found = self.session.execute(_CLAIM_EVENT, {"id": event_id, "type": kind[:100]})
        return found.first() is not None

    def set_plan(self, user: User, plan: str) -> None:
        """Change the account's plan (the API and the workers read it from here)."""
        user.plan = plan
        self.session.add(user)
        self.session.flush()

    def cloud_monitors(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, str, int]]:
        """Return the account's cloud-checked monitors, oldest first: (id, name, interval)."""
        rows = self.session.execute(_CLOUD_MONITORS, {"user": user_id}).all()
        return [(row[0], str(row[1]), int(row[2])) for row in rows]

    def published_pages(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        """Return the account's published status pages, oldest first: (id, slug)."""
        rows = self.session.execute(_PUBLISHED_PAGES, {"user": user_id}).all()
        return [(row[0], str(row[1])) for row in rows]

    def unpublish(self, user_id: uuid.UUID, page_ids: list[uuid.UUID]) -> None:
        """Take these pages offline (kept, to publish again) as synced changes."""
        now = datetime.now(UTC)
        for page_id in page_ids:
            seq = next_seq(self.session, user_id)
            self.session.execute(_UNPUBLISH, {"now": now, "seq": seq, "id": page_id})

    def stop_cloud_checks(self, user_id: uuid.UUID, monitor_ids: list[uuid.UUID]) -> None:
        """Stop cloud checks of these monitors (kept, with their history) as synced changes."""
        now = datetime.now(UTC)
        for monitor_id in monitor_ids:
            seq = next_seq(self.session, user_id)
            self.session.execute(_STOP_CLOUD, {"now": now, "seq": seq, "id": monitor_id})
