"""MonitorService: monitor rules of the hosted side (ownership, plan limits, sync numbers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sync_server.auth.caller import Owner
from sync_server.errors import Conflict, NotFound, PlanLimit
from sync_server.monitors.read_model import check_page_json, monitor_list_json, stored_public
from sync_server.monitors.repository import MonitorRepository
from sync_server.monitors.schemas import MonitorIn, MonitorPublic, spec_fields
from sync_server.monitors.tables import Monitor
from sync_server.plans import Plan, plan_of
from sync_server.sync.hub import announce
from sync_server.worker.schedule import next_due


def _public(monitor: Monitor) -> MonitorPublic:
    return stored_public({**spec_fields(monitor), "cloud": monitor.cloud, "seq": monitor.seq})


def check_cloud_allowed(plan: Plan, *, cloud: bool, interval: int, cloud_count: int) -> None:
    """Raise PlanLimit unless the plan lets a monitor checked every interval seconds be
    checked from the cloud (when cloud), the owner's cloud_count others with it."""
    if not cloud:
        return
    fastest = plan.fastest_cloud_interval_s
    if plan.cloud_monitors == 0 or fastest is None:
        raise PlanLimit(f"the {plan.name} plan has no cloud checks; upgrade to starter or above")
    if cloud_count >= plan.cloud_monitors:
        raise PlanLimit(
            f"the {plan.name} plan checks up to {plan.cloud_monitors} monitors from the cloud"
        )
    if interval < fastest:
        raise PlanLimit(
            f"the {plan.name} plan checks from the cloud every {fastest} s at the fastest; "
            f"set an interval of {fastest} s or more"
        )


class MonitorService:
    """Use cases on one user's monitors."""

    def __init__(self, repo: MonitorRepository) -> None:
        self.repo = repo

    def list_json(self, user: Owner) -> str:
        """Return the user's monitors as the JSON of list[MonitorPublic]."""
        return monitor_list_json(self.repo.session, user.id)

    def get(self, user: Owner, monitor_id: uuid.UUID) -> MonitorPublic:
        """Return one monitor; NotFound for a missing or someone else's id."""
        return _public(self._owned(user, monitor_id))

    def create(self, user: Owner, body: MonitorIn) -> MonitorPublic:
        """Store a new monitor within the plan; raise PlanLimit or Conflict."""
        seq = self.repo.next_seq(user.id)  # locks the account's row first: counts hold
        plan = plan_of(user.plan)
        now = datetime.now(UTC)
        fields = {**body.model_dump(), "created_at": now, "updated_at": now}
        due = next_due(body.id, body.interval, now) if body.cloud else None
        row = {**fields, "user_id": user.id, "seq": seq, "next_check_at": due}
        # inserted first, judged by the counts it returns: a refusal rolls the insert back, and
        # the usual case makes one round trip less (bench/api.py)
        counts = self.repo.insert_new(row)  # which also announces it to the owner's devices
        if counts is None:
            raise Conflict("a monitor with this id exists; create it without an id")
        live, cloud = counts
        if live >= plan.synced_monitors:
            limit = plan.synced_monitors
            raise PlanLimit(f"the {plan.name} plan keeps up to {limit} monitors; upgrade for more")
        check_cloud_allowed(plan, cloud=body.cloud, interval=body.interval, cloud_count=cloud)
        return stored_public({**fields, "seq": seq})

    def update(self, user: Owner, monitor_id: uuid.UUID, body: MonitorIn) -> MonitorPublic:
        """Replace a monitor's settings; NotFound for a missing or someone else's id."""
        monitor = self._owned(user, monitor_id)  # someone else's id: 404 before any lock
        self.repo.lock_owner(user.id)
        others = 0 if monitor.cloud else self.repo.counts_for_owner(user.id)[1]
        check_cloud_allowed(
            plan_of(user.plan), cloud=body.cloud, interval=body.interval, cloud_count=others
        )
        now = datetime.now(UTC)
        if body.cloud and (not monitor.cloud or body.interval != monitor.interval):
            monitor.next_check_at = next_due(monitor.id, body.interval, now)
        elif not body.cloud:
            monitor.next_check_at = None
        for name, value in body.model_dump(exclude={"id", "created_at", "updated_at"}).items():
            setattr(monitor, name, value)
        monitor.updated_at = now
        monitor.changed_by = "api"
        monitor.seq = self.repo.next_seq(user.id)
        announce(self.repo.session, user.id)
        return _public(self.repo.save(monitor))

    def delete(self, user: Owner, monitor_id: uuid.UUID) -> None:
        """Delete a monitor (kept as a tombstone for sync)."""
        monitor = self._owned(user, monitor_id)
        monitor.deleted = True
        monitor.next_check_at = None
        monitor.updated_at = datetime.now(UTC)
        monitor.changed_by = "api"
        monitor.seq = self.repo.next_seq(user.id)
        announce(self.repo.session, user.id)
        self.repo.save(monitor)

    def checks_json(
        self,
        user: Owner,
        monitor_id: uuid.UUID,
        *,
        limit: int,
        before: datetime | None,
        since: datetime | None,
    ) -> str:
        """Return a page of a monitor's checks, newest first, as the JSON of a CheckPage;
        NotFound for a missing or someone else's monitor."""
        page = check_page_json(
            self.repo.session, user.id, monitor_id, limit=limit, before=before, since=since
        )
        if page is None:
            raise NotFound("no such monitor")
        return page

    def _owned(self, user: Owner, monitor_id: uuid.UUID) -> Monitor:
        monitor = self.repo.get_for_owner(user.id, monitor_id)
        if monitor is None:
            raise NotFound("no such monitor")
        return monitor
