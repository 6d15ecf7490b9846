"""ChannelService: channel rules (ownership, links to one's own monitors only)."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from shared.channel_config import describe_target
from shared.netguard import ForbiddenAddress, NetGuard
from sync_server.auth.tables import User
from sync_server.channels.repository import ChannelRepository
from sync_server.channels.schemas import ChannelConfig, ChannelIn, ChannelPublic
from sync_server.channels.sealing import ConfigSealer, ConfigUnreadable
from sync_server.channels.tables import AlertChannel
from sync_server.errors import Invalid, NotFound
from sync_server.sync.hub import announce


def refuse_internal(config: ChannelConfig, guard: NetGuard) -> None:
    """Raise Invalid for a webhook at an address the cloud may not reach.

    Literal addresses and localhost are refused here, when the channel is saved; names that
    resolve to internal addresses are refused by the sender at delivery time.
    """
    if config.type != "webhook":
        return
    host = (urlsplit(config.url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise Invalid("url: the cloud cannot send to localhost (this computer's channels can)")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    try:
        guard.check(host)
    except ForbiddenAddress as exc:
        raise Invalid(f"url: {host} is {exc.reason}; the cloud cannot send there") from None


def kept_secret(
    new: dict[str, Any], stored: dict[str, Any], sealer: ConfigSealer
) -> dict[str, Any]:
    """Return new with the stored webhook's signing secret when new leaves it out and keeps
    the URL: the secret is never shown, so a client cannot send it back (an edit of the name,
    or the desktop's push of its Apprise URL, must not drop it)."""
    if new.get("type") != "webhook" or new.get("secret"):
        return new
    try:
        old = sealer.open(stored)
    except ConfigUnreadable:
        return new
    if old.get("type") == "webhook" and old.get("url") == new.get("url") and old.get("secret"):
        return {**new, "secret": old["secret"]}
    return new


def described(stored: dict[str, Any], sealer: ConfigSealer) -> str:
    """Return where a stored config sends, redacted, or why it cannot be told."""
    try:
        return describe_target(sealer.open(stored))
    except ConfigUnreadable:
        return "(unreadable with the server's data keys)"


class ChannelService:
    """Use cases on one user's alert channels."""

    def __init__(self, repo: ChannelRepository, guard: NetGuard, sealer: ConfigSealer) -> None:
        self.repo = repo
        self.guard = guard
        self.sealer = sealer

    def list_all(self, user: User) -> list[ChannelPublic]:
        """Return the user's channels."""
        return [self._public(c) for c in self.repo.list_for_owner(user.id)]

    def create(self, user: User, body: ChannelIn) -> ChannelPublic:
        """Store a channel linked to the given monitors (each must be the user's)."""
        refuse_internal(body.config, self.guard)
        monitors = self._owned_monitors(user, body.monitor_ids)
        channel = AlertChannel(
            user_id=user.id,
            name=body.name,
            type=body.config.type,
            config=self.sealer.seal(body.config.model_dump(mode="json")),
            seq=self.repo.next_seq(user.id),
        )
        self.repo.save(channel)
        self.repo.set_links(channel.id, monitors)
        announce(self.repo.session, user.id)
        return self._public(channel)

    def update(self, user: User, channel_id: uuid.UUID, body: ChannelIn) -> ChannelPublic:
        """Replace a channel; NotFound for a missing or someone else's id."""
        channel = self._owned(user, channel_id)
        refuse_internal(body.config, self.guard)
        monitors = self._owned_monitors(user, body.monitor_ids)
        config = kept_secret(body.config.model_dump(mode="json"), channel.config, self.sealer)
        channel.name, channel.type = body.name, body.config.type
        channel.config = self.sealer.seal(config)
        channel.disabled_reason = None  # saved again: the user has fixed it, alerts resume
        channel.updated_at, channel.changed_by = datetime.now(UTC), "api"
        channel.seq = self.repo.next_seq(user.id)
        self.repo.save(channel)
        self.repo.set_links(channel.id, monitors)
        announce(self.repo.session, user.id)
        return self._public(channel)

    def delete(self, user: User, channel_id: uuid.UUID) -> None:
        """Delete a channel (tombstone for sync) and its links."""
        channel = self._owned(user, channel_id)
        channel.deleted = True
        channel.updated_at, channel.changed_by = datetime.now(UTC), "api"
        channel.seq = self.repo.next_seq(user.id)
        self.repo.save(channel)
        self.repo.set_links(channel.id, set())
        announce(self.repo.session, user.id)

    def _owned(self, user: User, channel_id: uuid.UUID) -> AlertChannel:
        channel = self.repo.get_for_owner(user.id, channel_id)
        if channel is None:
            raise NotFound("no such alert channel")
        return channel

    def _owned_monitors(self, user: User, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        owned = self.repo.owned_monitor_ids(user.id, ids)
        if len(owned) != len(set(ids)):
            raise Invalid("monitor_ids: some of these monitors do not exist (or are not yours)")
        return owned

    def _public(self, channel: AlertChannel) -> ChannelPublic:
        return ChannelPublic(
            id=channel.id,
            name=channel.name,
            type=channel.type,
            target=described(channel.config, self.sealer),
            monitor_ids=self.repo.monitor_ids(channel.id),
            seq=channel.seq,
            disabled_reason=channel.disabled_reason,
        )
