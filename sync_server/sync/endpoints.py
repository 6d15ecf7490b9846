"""/api/sync: push a device's changes and results, pull the account's changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shared.netguard import NetGuard
from shared.sync import (
    DEVICE_ID_PATTERN,
    MAX_PULL_CHANGES,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_server.deps import CurrentDep, SessionDep, SettingsDep
from sync_server.errors import error_responses
from sync_server.monitors.repository import MonitorRepository
from sync_server.sync.channels import ChannelSync
from sync_server.sync.repository import SyncRepository
from sync_server.sync.service import SyncService
from sync_server.sync.socket import serve_changes

BIGINT_MAX = 2**63 - 1  # PostgreSQL's bigint: a seq, and so a cursor, is never beyond it
router = APIRouter(prefix="/api/sync", tags=["sync"], responses=error_responses(401, 422))


async def get_service(session: SessionDep, settings: SettingsDep) -> SyncService:
    """The sync service on this request's unit of work."""
    guard = NetGuard(settings.outbound_allow)
    channels = ChannelSync(session, guard, settings.config_sealer)
    return SyncService(SyncRepository(session), MonitorRepository(session), channels)


ServiceDep = Annotated[SyncService, Depends(get_service)]


@router.post("/push")
def push(body: PushRequest, current: CurrentDep, service: ServiceDep) -> PushResponse:
    """Apply a device's changes (last writer wins) and store its results (once each)."""
    return service.push(current[0], body)


router.add_api_websocket_route("/ws", serve_changes, name="sync changes")


@router.get("/pull")
def pull(
    current: CurrentDep,
    service: ServiceDep,
    cursor: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
    results_cursor: Annotated[str, Query(max_length=80)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_CHANGES)] = MAX_PULL_CHANGES,
    device_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=DEVICE_ID_PATTERN)
    ] = None,
) -> PullResponse:
    """Changes after cursor and results after results_cursor (the cloud's; with device_id,
    the account's other devices' too, never its own); call again while more."""
    return service.pull(current[0], cursor, results_cursor, limit, device_id)
