"""/api/monitors: list, create, get, update, delete, and a monitor's checks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlmodel import Session

from sync_server.auth.caller import Caller
from sync_server.deps import CurrentDep, ReadSessionDep, SessionDep, TokenDep, run_as_user
from sync_server.errors import error_responses
from sync_server.history.repository import HistoryRepository
from sync_server.history.service import HistoryService, UptimePublic
from sync_server.monitors.repository import MonitorRepository
from sync_server.monitors.schemas import CheckPage, IsoTime, MonitorIn, MonitorPublic
from sync_server.monitors.service import MonitorService

router = APIRouter(
    prefix="/api/monitors", tags=["monitors"], responses=error_responses(401, 403, 404, 409, 422)
)


async def get_service(session: SessionDep) -> MonitorService:
    """The monitor service on this request's unit of work."""
    return MonitorService(MonitorRepository(session))


async def get_reader(session: ReadSessionDep) -> MonitorService:
    """The monitor service on the read replica, for history (a replica may lag a little)."""
    return MonitorService(MonitorRepository(session))


ServiceDep = Annotated[MonitorService, Depends(get_service)]
ReaderDep = Annotated[MonitorService, Depends(get_reader)]


# The list and the checks pages answer JSON text PostgreSQL made (monitors/read_model.py),
# sent on without a model in between: response_model says in the schema what that text is,
# and tests/sync_server/test_fast_paths_schema.py checks real answers against it.
@router.get("", response_model=list[MonitorPublic])
async def list_monitors(claims: TokenDep, request: Request) -> Response:
    """Your monitors."""

    def listed(session: Session, user: Caller) -> str:
        return MonitorService(MonitorRepository(session)).list_json(user)

    return Response(await run_as_user(request, claims, listed), media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MonitorPublic)
async def create_monitor(body: MonitorIn, claims: TokenDep, request: Request) -> Response:
    """Add a monitor (within your plan)."""

    def create(session: Session, user: Caller) -> str:
        return MonitorService(MonitorRepository(session)).create(user, body).model_dump_json()

    created = await run_as_user(request, claims, create)
    return Response(created, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.get("/{monitor_id}")
def get_monitor(monitor_id: uuid.UUID, current: CurrentDep, service: ServiceDep) -> MonitorPublic:
    """One of your monitors."""
    return service.get(current[0], monitor_id)


@router.put("/{monitor_id}")
def update_monitor(
    monitor_id: uuid.UUID, body: MonitorIn, current: CurrentDep, service: ServiceDep
) -> MonitorPublic:
    """Replace one of your monitors' settings."""
    return service.update(current[0], monitor_id, body)


@router.delete("/{monitor_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_monitor(monitor_id: uuid.UUID, current: CurrentDep, service: ServiceDep) -> None:
    """Delete one of your monitors and its history."""
    service.delete(current[0], monitor_id)


@router.get("/{monitor_id}/checks", response_model=CheckPage)
async def list_checks(
    monitor_id: uuid.UUID,
    claims: TokenDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: IsoTime | None = None,
    since: IsoTime | None = None,
) -> Response:
    """A monitor's checks, newest first; page with `before`, bound with `since`."""

    def page(session: Session, user: Caller) -> str:
        service = MonitorService(MonitorRepository(session))
        return service.checks_json(user, monitor_id, limit=limit, before=before, since=since)

    body = await run_as_user(request, claims, page, read_only=True)
    return Response(body, media_type="application/json")


@router.get("/{monitor_id}/uptime")
def monitor_uptime(
    monitor_id: uuid.UUID, current: CurrentDep, service: ReaderDep, session: ReadSessionDep
) -> UptimePublic:
    """Uptime %, p95 and mean response time for 24h / 7d / 30d / 90d per source, from rollups."""
    service.get(current[0], monitor_id)  # 404 unless it is yours
    return HistoryService(HistoryRepository(session)).uptime(monitor_id)
