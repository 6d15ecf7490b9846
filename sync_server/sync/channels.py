"""Alert channels in sync: pushed channel changes (last writer wins) and pulled ones.

A pushed config is checked exactly as the channel API checks one; a device that holds no
secret for a channel (it came from the cloud) sends no config and the stored one is kept.
Links to monitors the account does not have in the cloud (kept on the device by the plan)
are dropped: the cloud can only alert for monitors it knows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from shared.netguard import NetGuard
from shared.sync import Applied, ChannelChange, RemoteChannel, wins
from sync_server.auth.tables import User
from sync_server.channels.repository import ChannelRepository
from sync_server.channels.schemas import parse_config
from sync_server.channels.sealing import ConfigSealer, ConfigUnreadable
from sync_server.channels.service import described, kept_secret, refuse_internal
from sync_server.channels.tables import AlertChannel, MonitorChannel
from sync_server.errors import Invalid

# a new channel whose id another account holds: it cannot be stored, and the answer must
# not say why (that would tell a stranger the id exists); a random uuid4 never collides
ID_UNUSABLE = "this channel cannot be kept in the cloud; it stays on this computer only"


class ChannelSync:
    """Applies one push's channel changes and reads channel changes for a pull."""

    def __init__(self, session: Session, guard: NetGuard, sealer: ConfigSealer) -> None:
        self.session = session
        self.repo = ChannelRepository(session)
        self.guard = guard
        self.sealer = sealer

    def apply(
        self, user: User, changes: list[ChannelChange], device: str, latest: datetime
    ) -> list[Applied]:
        """Apply changes in order (none dated after latest); return what became of each."""
        ids = [change.id for change in changes]
        query = select(AlertChannel).where(col(AlertChannel.id).in_(ids)).with_for_update()
        stored = {row.id: row for row in self.session.exec(query)}
        answers: list[Applied] = []
        for change in changes:
            row = stored.get(change.id)
            # another account's id is answered as an id nobody has (see ID_UNUSABLE)
            foreign = row is not None and row.user_id != user.id
            row = None if foreign else row
            at = min(change.updated_at, latest)
            if row is not None and not wins(at, device, row.updated_at, row.changed_by):
                answers.append(Applied(id=change.id, applied=False, seq=row.seq, reason="older"))
                continue
            if change.deleted and (row is None or row.deleted):
                answers.append(Applied(id=change.id, applied=True))  # nothing here to delete
                continue
            try:
                config = None if change.deleted else self._config(change, row)
            except Invalid as exc:
                answers.append(Applied(id=change.id, applied=False, reason=exc.message))
                continue
            if foreign:
                answers.append(Applied(id=change.id, applied=False, reason=ID_UNUSABLE))
                continue
            row = self._write(user, row, change, config, at, device)
            stored[row.id] = row
            answers.append(Applied(id=change.id, applied=True, seq=row.seq))
        return answers

    def _config(self, change: ChannelChange, row: AlertChannel | None) -> dict[str, str]:
        if change.config is None:
            if row is None or row.deleted:
                raise Invalid("this channel's address is not on the device that sent it")
            try:
                return self.sealer.open(row.config)
            except ConfigUnreadable:
                raise Invalid(
                    "this channel's stored address cannot be read; send it again"
                ) from None
        try:
            config = parse_config(change.config)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        refuse_internal(config, self.guard)
        new = config.model_dump(mode="json")
        return new if row is None or row.deleted else kept_secret(new, row.config, self.sealer)

    def _write(
        self,
        user: User,
        row: AlertChannel | None,
        change: ChannelChange,
        config: dict[str, str] | None,
        at: datetime,
        device: str,
    ) -> AlertChannel:
        if row is None:
            row = AlertChannel(id=change.id, user_id=user.id, name=change.name or "", type="")
        if config is not None:
            if config != self._opened(row):
                row.disabled_reason = None  # a new address: alerts resume
            row.config = self.sealer.seal(config)
            row.name, row.type = change.name or row.name, config["type"]
        row.deleted = change.deleted
        row.updated_at, row.changed_by = at, device
        row.seq = self.repo.next_seq(user.id)
        self.repo.save(row)
        wanted = [] if change.deleted else change.monitor_ids
        self.repo.set_links(row.id, self.repo.owned_monitor_ids(user.id, wanted))
        return row

    def _opened(self, row: AlertChannel) -> dict[str, Any] | None:
        try:
            return self.sealer.open(row.config)
        except ConfigUnreadable:
            return None

    def changes_after(self, user_id: uuid.UUID, cursor: int, limit: int) -> list[RemoteChannel]:
        """Return the account's channels changed after seq cursor, oldest change first."""
        query = (
            select(AlertChannel)
            .where(AlertChannel.user_id == user_id, col(AlertChannel.seq) > cursor)
            .order_by(col(AlertChannel.seq))
            .limit(limit)
        )
        rows: Sequence[AlertChannel] = self.session.exec(query).all()
        links: dict[uuid.UUID, list[uuid.UUID]] = {row.id: [] for row in rows}
        if rows:
            pairs = self.session.exec(
                select(MonitorChannel.channel_id, MonitorChannel.monitor_id).where(
                    col(MonitorChannel.channel_id).in_(list(links))
                )
            )
            for channel_id, monitor_id in pairs:
                links[channel_id].append(monitor_id)
        return [
            RemoteChannel(
                id=row.id,
                seq=row.seq,
                updated_at=row.updated_at,
                device_id=row.changed_by,
                deleted=row.deleted,
                name=row.name,
                type=row.type,
                target="" if row.deleted else described(row.config, self.sealer),
                monitor_ids=sorted(links[row.id]),
                disabled_reason=row.disabled_reason,
            )
            for row in rows
        ]
