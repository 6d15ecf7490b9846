"""/api/alert-channels: list, create, update, delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from shared.netguard import NetGuard
from sync_server.channels.repository import ChannelRepository
from sync_server.channels.schemas import ChannelIn, ChannelPublic
from sync_server.channels.service import ChannelService
from sync_server.deps import CurrentDep, SessionDep, SettingsDep
from sync_server.errors import error_responses

router = APIRouter(
    prefix="/api/alert-channels",
    tags=["alert channels"],
    responses=error_responses(401, 403, 404, 422),
)


async def get_service(session: SessionDep, settings: SettingsDep) -> ChannelService:
    """The channel service on this request's unit of work."""
    guard = NetGuard(settings.outbound_allow)
    return ChannelService(ChannelRepository(session), guard, settings.config_sealer)


ServiceDep = Annotated[ChannelService, Depends(get_service)]


@router.get("")
def list_channels(current: CurrentDep, service: ServiceDep) -> list[ChannelPublic]:
    """Your alert channels (targets shown without their secrets)."""
    return service.list_all(current[0])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_channel(body: ChannelIn, current: CurrentDep, service: ServiceDep) -> ChannelPublic:
    """Add an alert channel, linked to some of your monitors."""
    return service.create(current[0], body)


@router.put("/{channel_id}")
def update_channel(
    channel_id: uuid.UUID, body: ChannelIn, current: CurrentDep, service: ServiceDep
) -> ChannelPublic:
    """Replace one of your channels."""
    return service.update(current[0], channel_id, body)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(channel_id: uuid.UUID, current: CurrentDep, service: ServiceDep) -> None:
    """Delete one of your channels."""
    service.delete(current[0], channel_id)
