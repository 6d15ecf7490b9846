"""StatusPageRepository: one owner's pages and their monitors. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from sync_server.changes import next_seq
from sync_server.monitors.repository import owned_live_ids
from sync_server.monitors.tables import Monitor
from sync_server.status_pages.tables import StatusPage, StatusPageMonitor


class StatusPageRepository:
    """Every query is scoped to an owner (the slug lookup sees every live page)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list_for_owner(self, user_id: uuid.UUID) -> Sequence[StatusPage]:
        """Return the owner's live pages, oldest first."""
        query = (
            select(StatusPage)
            .where(StatusPage.user_id == user_id, col(StatusPage.deleted).is_(False))
            .order_by(col(StatusPage.created_at), col(StatusPage.id))
        )
        return self.session.exec(query).all()

    def count_for_owner(self, user_id: uuid.UUID) -> int:
        """Return how many live pages the owner has."""
        query = select(func.count()).where(
            StatusPage.user_id == user_id, col(StatusPage.deleted).is_(False)
        )
        return int(self.session.exec(query).one())

    def published_count(self, user_id: uuid.UUID) -> int:
        """Return how many live pages of the owner are published."""
        query = select(func.count()).where(
            StatusPage.user_id == user_id,
            col(StatusPage.deleted).is_(False),
            col(StatusPage.published).is_(True),
        )
        return int(self.session.exec(query).one())

    def get_for_owner(self, user_id: uuid.UUID, page_id: uuid.UUID) -> StatusPage | None:
        """Return the owner's live page, or None (also for someone else's)."""
        page = self.session.get(StatusPage, page_id)
        if page is None or page.user_id != user_id or page.deleted:
            return None
        return page

    def slug_taken(self, slug: str, other_than: uuid.UUID | None = None) -> bool:
        """Whether a live page (anyone's, but not other_than) has this slug."""
        query = select(StatusPage.id).where(
            StatusPage.slug == slug, col(StatusPage.deleted).is_(False)
        )
        if other_than is not None:
            query = query.where(StatusPage.id != other_than)
        return self.session.exec(query.limit(1)).first() is not None

    def owned_monitor_ids(self, user_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Return which of ids are the owner's live monitors."""
        return owned_live_ids(self.session, user_id, ids)

    def monitor_ids(self, page_id: uuid.UUID) -> list[uuid.UUID]:
        """Return the page's monitors in their order (deleted monitors left out)."""
        query = (
            select(StatusPageMonitor.monitor_id)
            .join(Monitor, col(Monitor.id) == StatusPageMonitor.monitor_id)
            .where(StatusPageMonitor.page_id == page_id, col(Monitor.deleted).is_(False))
            .order_by(col(StatusPageMonitor.position))
        )
        return list(self.session.exec(query).all())

    def set_monitors(self, page_id: uuid.UUID, monitor_ids: list[uuid.UUID]) -> None:
        """Show exactly these monitors on the page, in this order."""
        self.session.exec(
            delete(StatusPageMonitor).where(col(StatusPageMonitor.page_id) == page_id)
        )
        for position, monitor_id in enumerate(monitor_ids):
            self.session.add(
                StatusPageMonitor(page_id=page_id, monitor_id=monitor_id, position=position)
            )
        self.session.flush()

    def next_seq(self, user_id: uuid.UUID) -> int:
        """Return the account's next change number (locks the account's row until commit)."""
        return next_seq(self.session, user_id)

    def save(self, page: StatusPage) -> StatusPage:
        """Insert or update a page."""
        self.session.add(page)
        self.session.flush()
        return page
