"""StatusPageService: an owner's pages (plan limits, own monitors only, unique slugs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from sync_server.auth.tables import User
from sync_server.errors import Conflict, Invalid, NotFound, PlanLimit
from sync_server.plans import plan_of
from sync_server.status_pages.repository import StatusPageRepository
from sync_server.status_pages.schemas import StatusPageIn, StatusPagePublic
from sync_server.status_pages.tables import StatusPage
from sync_server.sync.hub import announce


class StatusPageService:
    """Use cases on one user's status pages; origin is the public address pages live under."""

    def __init__(self, repo: StatusPageRepository, origin: str) -> None:
        self.repo = repo
        self.origin = origin

    def list_all(self, user: User) -> list[StatusPagePublic]:
        """Return the user's pages."""
        return [self._public(page) for page in self.repo.list_for_owner(user.id)]

    def get(self, user: User, page_id: uuid.UUID) -> StatusPagePublic:
        """Return one of the user's pages; NotFound for a missing or someone else's id."""
        return self._public(self._owned(user, page_id))

    def create(self, user: User, body: StatusPageIn) -> StatusPagePublic:
        """Store a new page; PlanLimit beyond the plan's pages, Conflict for a taken slug."""
        seq = self.repo.next_seq(user.id)  # locks the account: concurrent creates count in turn
        plan = plan_of(user.plan)
        if (
            plan.status_pages is not None
            and self.repo.count_for_owner(user.id) >= plan.status_pages
        ):
            raise PlanLimit(
                f"the {plan.name} plan has {plan.status_pages} status page"
                f"{'s' if plan.status_pages != 1 else ''}; add the monitors to the page you"
                " have, or upgrade for more"
            )
        monitors = self._owned_monitors(user, body.monitor_ids)
        page = StatusPage(
            user_id=user.id,
            slug=body.slug,
            title=body.title,
            description=body.description,
            published=body.published,
            seq=seq,
        )
        self._save(page)
        self.repo.set_monitors(page.id, monitors)
        announce(self.repo.session, user.id)
        return self._public(page)

    def update(self, user: User, page_id: uuid.UUID, body: StatusPageIn) -> StatusPagePublic:
        """Replace a page's settings and monitors; NotFound for a missing or someone else's id."""
        page = self._owned(user, page_id)
        monitors = self._owned_monitors(user, body.monitor_ids)
        seq = self.repo.next_seq(user.id)  # locks the account: publishing counts in turn
        limit = plan_of(user.plan).status_pages
        publishing = body.published and not page.published and limit is not None
        if publishing and self.repo.published_count(user.id) >= (limit or 0):
            raise PlanLimit(
                f"the {user.plan} plan publishes {limit} status page(s); take another"
                " offline first, or upgrade"
            )
        page.slug, page.title, page.description = body.slug, body.title, body.description
        page.published = body.published
        page.updated_at, page.changed_by = datetime.now(UTC), "api"
        page.seq = seq
        self._save(page)
        self.repo.set_monitors(page.id, monitors)
        announce(self.repo.session, user.id)
        return self._public(page)

    def delete(self, user: User, page_id: uuid.UUID) -> None:
        """Delete a page (a tombstone for sync); its slug is free again at once."""
        page = self._owned(user, page_id)
        page.deleted = True
        page.updated_at, page.changed_by = datetime.now(UTC), "api"
        page.seq = self.repo.next_seq(user.id)
        self.repo.save(page)
        self.repo.set_monitors(page.id, [])
        announce(self.repo.session, user.id)

    def _save(self, page: StatusPage) -> None:
        if self.repo.slug_taken(page.slug, other_than=page.id):
            raise Conflict(f"slug: {page.slug} is taken, pick another")
        try:
            self.repo.save(page)
        except IntegrityError:  # taken by a concurrent request since the lookup
            raise Conflict(f"slug: {page.slug} is taken, pick another") from None

    def _owned(self, user: User, page_id: uuid.UUID) -> StatusPage:
        page = self.repo.get_for_owner(user.id, page_id)
        if page is None:
            raise NotFound("no such status page")
        return page

    def _owned_monitors(self, user: User, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        owned = self.repo.owned_monitor_ids(user.id, ids)
        if len(owned) != len(ids):
            raise Invalid("monitor_ids: some of these monitors do not exist (or are not yours)")
        return ids

    def _public(self, page: StatusPage) -> StatusPagePublic:
        return StatusPagePublic(
            id=page.id,
            slug=page.slug,
            title=page.title,
            description=page.description,
            published=page.published,
            monitor_ids=self.repo.monitor_ids(page.id),
            url=f"{self.origin}/s/{page.slug}",
            seq=page.seq,
            updated_at=page.updated_at,
        )
