"""SyncService: push (last-writer-wins changes, idempotent results) and pull (by cursors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.monitor import HOSTED_FORBIDDEN_HEADERS
from shared.result import Source, result_id, to_ms
from shared.sync import (
    MAX_PULL_CHANGES,
    MAX_PULL_RESULTS,
    Applied,
    IncidentIn,
    MonitorChange,
    PullResponse,
    PushRequest,
    PushResponse,
    ResultIn,
    ResultOut,
    wins,
)
from sync_server.auth.tables import User
from sync_server.errors import Invalid, PlanLimit
from sync_server.monitors.repository import MonitorRepository
from sync_server.monitors.schemas import spec_fields
from sync_server.monitors.service import check_cloud_allowed
from sync_server.monitors.tables import Monitor
from sync_server.plans import Plan, plan_of
from sync_server.sync.channels import ChannelSync
from sync_server.sync.cursor import ResultsCursor
from sync_server.sync.hub import announce
from sync_server.sync.read_model import remote_monitor, results_out
from sync_server.sync.repository import SyncRepository
from sync_server.worker.schedule import next_due

# a device's clock may run ahead; its changes are stored as made now, not in the future
MAX_CLOCK_AHEAD = timedelta(minutes=2)
# a new device's first pull brings the last day of cloud results, not the whole history
FIRST_PULL_WINDOW = timedelta(hours=24)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# a new monitor whose id another account holds: it cannot be stored, and the answer must
# not say why (that would tell a stranger the id exists); a random uuid4 never collides
ID_UNUSABLE = "this monitor cannot be kept in the cloud; it stays on this computer only"


class SyncService:
    """One account's sync: push and pull in the request's unit of work."""

    def __init__(
        self, repo: SyncRepository, monitors: MonitorRepository, channels: ChannelSync
    ) -> None:
        self.repo = repo
        self.monitors = monitors
        self.channels = channels

    def push(self, user: User, request: PushRequest) -> PushResponse:
        """Apply a device's changes (the newer change wins) and store its new results."""
        applied = self._apply_monitors(user, request) if request.monitors else []
        channels: list[Applied] = []
        if request.channels:  # after the monitors: a new channel may link a new monitor
            if not request.monitors:
                self.monitors.lock_owner(user.id)
            latest = datetime.now(UTC) + MAX_CLOCK_AHEAD
            channels = self.channels.apply(user, request.channels, request.device_id, latest)
        if any(answer.applied and answer.seq is not None for answer in applied + channels):
            announce(self.repo.session, user.id)
        if request.device_name is not None:
            self.repo.name_device(user.id, request.device_id, request.device_name)
        stored, refused = self._store_results(user, request.device_id, request.results)
        incidents = self._store_incidents(user, request.incidents)
        return PushResponse(
            monitors=applied,
            channels=channels,
            results_stored=stored,
            results_refused=refused,
            incidents_stored=incidents,
        )

    def pull(
        self,
        user: User,
        cursor: int,
        results_cursor: str,
        limit: int,
        device_id: str | None = None,
    ) -> PullResponse:
        """Return changes after cursor and results after results_cursor: the cloud's, and
        when the pulling device says who it is, the other devices' too."""
        size = min(limit, MAX_PULL_CHANGES)
        # the oldest `size` changes of both kinds: each list holds its kind's oldest size + 1
        rows = self.repo.changes_after(user.id, cursor, size + 1)
        channel_rows = self.channels.changes_after(user.id, cursor, size + 1)
        seqs = sorted([row.seq for row in rows] + [row.seq for row in channel_rows])
        changes_more = len(seqs) > size
        top = seqs[size - 1] if changes_more else (seqs[-1] if seqs else cursor)
        monitors = [remote_monitor(row) for row in rows if row.seq <= top]
        channels = [row for row in channel_rows if row.seq <= top]
        new_cursor = top
        if changes_more:
            # results only once every monitor they belong to has been handed out: a device
            # would have nowhere to keep them yet, and the cursor would move past them
            return PullResponse(
                monitors=monitors,
                channels=channels,
                cursor=new_cursor,
                results=[],
                results_cursor=results_cursor,
                more=True,
            )
        results, new_results_cursor, results_more = self._results(
            user, results_cursor, min(limit * 10, MAX_PULL_RESULTS), device_id
        )
        return PullResponse(
            monitors=monitors,
            channels=channels,
            cursor=new_cursor,
            results=results,
            results_cursor=new_results_cursor,
            more=results_more,
        )

    # -- push ---------------------------------------------------------------------------------

    def _apply_monitors(self, user: User, request: PushRequest) -> list[Applied]:
        self.monitors.lock_owner(user.id)  # plan counts and seq numbers, one push at a time
        plan = plan_of(user.plan)
        live, cloud = self.monitors.counts_for_owner(user.id)
        stored = self.repo.monitors_for_update([change.id for change in request.monitors])
        now = datetime.now(UTC)
        answers: list[Applied] = []
        for change in request.monitors:
            row = stored.get(change.id)
            # another account's id is answered as an id nobody has: nothing tells a
            # stranger that it exists (only its creation, which cannot be stored, differs)
            foreign = row is not None and row.user_id != user.id
            row = None if foreign else row
            at = min(change.updated_at, now + MAX_CLOCK_AHEAD)
            if row is not None and not wins(at, request.device_id, row.updated_at, row.changed_by):
                answers.append(Applied(id=change.id, applied=False, seq=row.seq, reason="older"))
                continue
            if row is None and change.deleted:
                answers.append(Applied(id=change.id, applied=True))  # never here: nothing to do
                continue
            was_live = row is not None and not row.deleted
            was_cloud = was_live and row is not None and row.cloud
            refusal = _refusal(plan, change, was_live, live, cloud - int(was_cloud))
            if refusal is None and foreign:
                refusal = ID_UNUSABLE
            if refusal is not None:
                answers.append(Applied(id=change.id, applied=False, reason=refusal))
                continue
            row = self._write(user, row, change, at, request.device_id)
            stored[row.id] = row  # the same id twice in one push: the later change sees it
            live += int(not row.deleted) - int(was_live)
            cloud += int(row.cloud and not row.deleted) - int(was_cloud)
            answers.append(Applied(id=change.id, applied=True, seq=row.seq))
        return answers

    def _write(
        self, user: User, row: Monitor | None, change: MonitorChange, at: datetime, device: str
    ) -> Monitor:
        if row is None:
            assert change.spec is not None
            row = Monitor(**spec_fields(change.spec), user_id=user.id)
        if change.spec is not None and not change.deleted:
            for name, value in spec_fields(change.spec).items():
                if name not in ("id", "created_at"):
                    setattr(row, name, value)
        cloud = change.cloud and not change.deleted
        if cloud and (not row.cloud or row.next_check_at is None or row.deleted):
            row.next_check_at = next_due(row.id, row.interval, datetime.now(UTC))
        elif not cloud:
            row.next_check_at = None
        row.cloud = cloud
        row.deleted = change.deleted
        row.updated_at = at
        row.changed_by = device
        row.seq = self.monitors.next_seq(user.id)
        return self.monitors.save(row)

    def _store_incidents(self, user: User, incidents: list[IncidentIn]) -> int:
        if not incidents:
            return 0
        rows: dict[str, list[Any]] = {
            "ids": [i.id for i in incidents],
            "monitors": [i.monitor_id for i in incidents],
            # in UTC: PostgreSQL refuses zone offsets beyond ±15:59 that ISO 8601 allows
            "started": [i.started_at.astimezone(UTC) for i in incidents],
            "ended": [i.ended_at and i.ended_at.astimezone(UTC) for i in incidents],
            "errors": [i.first_error for i in incidents],
        }
        return self.repo.upsert_local_incidents(user.id, rows)

    def _store_results(
        self, user: User, device_id: str, results: list[ResultIn]
    ) -> tuple[int, int]:
        if not results:
            return 0, 0
        mine = self.repo.live_monitor_ids(user.id, list({r.monitor_id for r in results}))
        kept = [
            r
            for r in results
            if r.monitor_id in mine
            and r.id == result_id(r.monitor_id, to_ms(r.checked_at), Source.LOCAL)
        ]
        rows: dict[str, list[Any]] = {
            "ids": [r.id for r in kept],
            "monitors": [r.monitor_id for r in kept],
            "statuses": [r.status for r in kept],
            "codes": [r.status_code for r in kept],
            "times": [r.response_time_ms for r in kept],
            "errors": [r.error for r in kept],
            "at": [r.checked_at.astimezone(UTC) for r in kept],
        }
        new = self.repo.insert_local_results(device_id, rows) if kept else 0
        return new, len(results) - len(kept)

    # -- pull ---------------------------------------------------------------------------------

    def _results(
        self, user: User, raw_cursor: str, limit: int, device_id: str | None
    ) -> tuple[list[ResultOut], str, bool]:
        start = ResultsCursor.parse(raw_cursor)
        not_before = datetime.now(UTC) - FIRST_PULL_WINDOW if start.is_first else _EPOCH
        rows = self.repo.results_after(
            user.id,
            xact=start.xact,
            after_id=start.after_id,
            not_before=not_before,
            limit=limit,
            device_id=device_id,
        )
        results = results_out(rows)
        if len(rows) == limit:
            return results, ResultsCursor(rows[-1][7], rows[-1][0]).format(), True
        horizon = int(rows[0][8]) if rows else self.repo.horizon()
        # everything below the horizon has been seen: start the next pull there
        return results, ResultsCursor.below(horizon).format(), False


def _refusal(
    plan: Plan, change: MonitorChange, was_live: bool, live: int, other_cloud: int
) -> str | None:
    """Return why the plan or the cloud refuses the change, or None when both allow it."""
    try:
        if not was_live and not change.deleted and live >= plan.synced_monitors:
            raise PlanLimit(
                f"the {plan.name} plan keeps up to {plan.synced_monitors} monitors in"
                " the cloud; this one stays on this computer only"
            )
        if change.cloud and not change.deleted:
            assert change.spec is not None
            _refuse_hosted_headers(change.spec.headers)
            check_cloud_allowed(
                plan, cloud=True, interval=change.spec.interval, cloud_count=other_cloud
            )
    except (PlanLimit, Invalid) as exc:
        return exc.message
    return None


def _refuse_hosted_headers(headers: dict[str, str]) -> None:
    """Raise Invalid for a header the cloud refuses to send (Host, proxy headers)."""
    for name in headers:
        if name.lower() in HOSTED_FORBIDDEN_HEADERS:
            raise Invalid(f"header {name} cannot be set on a cloud-checked monitor")
