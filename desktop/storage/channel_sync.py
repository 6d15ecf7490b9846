"""Alert channels in sync, on the desktop: queued channel changes and pulled ones.

A channel made here keeps its Apprise URL in the keyring; the cloud gets its cloud form
(shared.channel_config) so it can alert for cloud-checked monitors. A channel made
elsewhere arrives without its secret ("remote"): it is listed and linked here, and only
the cloud sends through it. Runs inside SyncStore's units of work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from desktop.storage.channels import ChannelRepository
from desktop.storage.database import Database
from desktop.storage.tables import ChannelRow, MonitorRow, OutboxRow
from shared.sync import RemoteChannel, wins

SYNCED, REMOTE, LOCAL = "synced", "remote", "local"


@dataclass(frozen=True, slots=True)
class PendingChannel:
    """A queued channel change with the channel as it is now (None once deleted)."""

    entry: OutboxRow
    row: ChannelRow | None
    monitor_ids: list[str]


class ChannelSyncStore:
    """The outbox side of channels and the outcome of pushing them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def pending(self) -> list[PendingChannel]:
        """Return the queued channel changes, deletes first."""
        with self.db.reader() as session:
            entries = session.exec(select(OutboxRow).where(OutboxRow.kind == "channel")).all()
            repo = ChannelRepository(session)
            pending = []
            for entry in entries:
                row = None if entry.deleted else repo.find_by_id(entry.id)
                links = repo.monitors_of(row) if row is not None else []
                pending.append(PendingChannel(entry, row, links))
        pending.sort(key=lambda p: (p.row is not None, p.row.pk if p.row is not None else 0))
        return pending

    def settle(self, entry: OutboxRow, state: str | None, target: str | None = None) -> None:
        """Drop a handled change (unless changed again since) and record where the channel
        lives now: SYNCED (with the cloud's description of its target), LOCAL, or as it was."""
        with self.db.session() as session:
            stored = session.get(OutboxRow, (entry.kind, entry.id))
            if stored is not None and stored.updated_at == entry.updated_at:
                session.delete(stored)
            row = ChannelRepository(session).find_by_id(entry.id)
            if row is not None and state is not None and row.cloud != REMOTE:
                row.cloud = state
                row.target = target or row.target
                session.add(row)

    def queue_all(self) -> None:
        """Queue every channel (on sign-in: the account gets this computer's channels)."""
        with self.db.session() as session:
            repo = ChannelRepository(session)
            for row in repo.list_all():
                repo.queue_push(row)


def apply_remote_channels(
    session: Session, changes: list[RemoteChannel], device_id: str
) -> tuple[int, list[str]]:
    """Apply pulled channel changes (last writer wins against queued ones); return how many
    changed something and the ids whose keyring secret is stale now (deleted, or their
    address was changed elsewhere)."""
    repo = ChannelRepository(session)
    applied, stale = 0, []
    for change in changes:
        channel_id = str(change.id)
        queued = session.get(OutboxRow, ("channel", channel_id))
        if queued is not None and wins(
            queued.updated_at, device_id, change.updated_at, change.device_id
        ):
            continue  # ours is newer: the next push sends it
        if queued is not None:
            session.delete(queued)
        row = repo.find_by_id(channel_id)
        if change.deleted:
            if row is not None:
                repo.delete(row)
                stale.append(channel_id)
                applied += 1
            continue
        if (
            row is not None
            and change.device_id == device_id
            and row.updated_at == change.updated_at
        ):
            continue  # our own change coming back
        if row is None:
            row = ChannelRow(
                id=channel_id,
                name=_free_name(repo, change.name, channel_id),
                kind=change.type,
                target=change.target,
                is_default=False,
                created_at=change.updated_at,
                updated_at=change.updated_at,
                cloud=REMOTE,
            )
        elif row.cloud != REMOTE and (row.kind, row.target) != (change.type, change.target):
            row.cloud = REMOTE  # its address was changed elsewhere: ours is out of date
            stale.append(channel_id)
        row.name = _free_name(repo, change.name, channel_id)
        row.updated_at = change.updated_at
        if row.cloud == REMOTE:
            row.kind, row.target = change.type, change.target
        row = repo.add(row)
        repo.unlink_all(row)
        row.cloud_monitors = json.dumps(sorted(str(m) for m in change.monitor_ids))
        applied += 1
    link_waiting(session)
    return applied, stale


def link_waiting(session: Session) -> None:
    """Make the links the cloud asked for whose monitors are here now."""
    repo = ChannelRepository(session)
    waiting = session.exec(select(ChannelRow).where(col(ChannelRow.cloud_monitors).is_not(None)))
    for row in waiting:
        wanted: list[str] = json.loads(row.cloud_monitors or "[]")
        here = {
            monitor.id: monitor
            for monitor in session.exec(select(MonitorRow).where(col(MonitorRow.id).in_(wanted)))
        }
        for monitor in here.values():
            repo.link(monitor, row)
        left = [monitor_id for monitor_id in wanted if monitor_id not in here]
        row.cloud_monitors = json.dumps(left) if left else None
        session.add(row)
    session.flush()


def _free_name(repo: ChannelRepository, name: str, channel_id: str) -> str:
    """Return name, or name (cloud), name (cloud 2)... when another channel here has it."""
    candidate, n = name, 1
    while (clash := repo.by_name(candidate)) is not None and clash.id != channel_id:
        n += 1
        candidate = f"{name} (cloud)" if n == 2 else f"{name} (cloud {n - 1})"
    return candidate
