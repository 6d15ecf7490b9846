"""Pushing alert channels: each queued channel in its cloud form, or kept on this computer.

A channel whose Apprise URL has a cloud form (shared.channel_config) is sent with it, so
the cloud can alert through it for cloud-checked monitors; one it has not (desktop
notifications, services the cloud does not send, URLs with custom headers) is marked
"local" and never leaves this computer. A channel that came from the cloud is sent without
a config: only its name and links change.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.storage.channel_sync import LOCAL, REMOTE, SYNCED, ChannelSyncStore, PendingChannel
from shared.channel_config import cloud_config, describe_target
from shared.sync import MAX_PUSH_CHANGES, ChannelChange, PushRequest, PushResponse

Push = Callable[[PushRequest], Awaitable[PushResponse]]


async def push_channels(
    push: Push, store: ChannelSyncStore, secrets: SecretStore, device: str
) -> tuple[int, list[str]]:
    """Push every queued channel change; return how many were applied and the refusals
    ("channel NAME: reason")."""
    pending = await asyncio.to_thread(store.pending)
    outgoing: list[tuple[PendingChannel, ChannelChange, dict[str, str] | None]] = []
    for item in pending:
        config = await asyncio.to_thread(_config_of, item, secrets)
        if item.row is not None and config is None and item.row.cloud != REMOTE:
            await asyncio.to_thread(store.settle, item.entry, LOCAL)  # only this computer sends it
            continue
        outgoing.append((item, _change(item, config), config))
    applied, refused = 0, []
    for start in range(0, len(outgoing), MAX_PUSH_CHANGES):
        chunk = outgoing[start : start + MAX_PUSH_CHANGES]
        answer = await push(PushRequest(device_id=device, channels=[c for _, c, _ in chunk]))
        for (item, _, config), result in zip(chunk, answer.channels, strict=True):
            if result.applied or result.reason == "older":  # older: the pull brings the newer
                target = describe_target(config) if config is not None else None
                state = SYNCED if config is not None else None
                await asyncio.to_thread(store.settle, item.entry, state, target)
                applied += int(result.applied)
            else:
                # the cloud will not send it (an internal address, say): this computer does
                await asyncio.to_thread(store.settle, item.entry, LOCAL)
                name = item.row.name if item.row is not None else item.entry.id
                refused.append(f"channel {name}: {result.reason or 'refused'}")
    return applied, refused


def _config_of(item: PendingChannel, secrets: SecretStore) -> dict[str, str] | None:
    if item.row is None or item.row.cloud == REMOTE:
        return None
    url = secrets.get(channel_secret_key(item.row.id))
    return cloud_config(url) if url else None


def _change(item: PendingChannel, config: dict[str, str] | None) -> ChannelChange:
    channel_id = uuid.UUID(item.entry.id)
    if item.row is None:
        return ChannelChange(id=channel_id, updated_at=item.entry.updated_at, deleted=True)
    return ChannelChange(
        id=channel_id,
        updated_at=item.entry.updated_at,
        name=item.row.name,
        config=config,
        monitor_ids=[uuid.UUID(m) for m in item.monitor_ids],
    )
