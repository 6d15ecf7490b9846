"""/api/status-pages: an owner's pages (list, create, get, update, delete)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from sync_server.deps import CurrentDep, SessionDep, SettingsDep
from sync_server.errors import error_responses
from sync_server.status_pages.repository import StatusPageRepository
from sync_server.status_pages.schemas import StatusPageIn, StatusPagePublic
from sync_server.status_pages.service import StatusPageService

router = APIRouter(
    prefix="/api/status-pages",
    tags=["status pages"],
    responses=error_responses(401, 403, 404, 409, 422),
)


async def get_service(session: SessionDep, settings: SettingsDep) -> StatusPageService:
    """The status page service on this request's unit of work."""
    return StatusPageService(StatusPageRepository(session), settings.status_origin)


ServiceDep = Annotated[StatusPageService, Depends(get_service)]


@router.get("")
def list_pages(current: CurrentDep, service: ServiceDep) -> list[StatusPagePublic]:
    """Your status pages, with their public addresses."""
    return service.list_all(current[0])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_page(body: StatusPageIn, current: CurrentDep, service: ServiceDep) -> StatusPagePublic:
    """Publish a status page showing some of your monitors (within your plan)."""
    return service.create(current[0], body)


@router.get("/{page_id}")
def get_page(page_id: uuid.UUID, current: CurrentDep, service: ServiceDep) -> StatusPagePublic:
    """One of your status pages."""
    return service.get(current[0], page_id)


@router.put("/{page_id}")
def update_page(
    page_id: uuid.UUID, body: StatusPageIn, current: CurrentDep, service: ServiceDep
) -> StatusPagePublic:
    """Replace one of your status pages (its slug, words and monitors)."""
    return service.update(current[0], page_id, body)


@router.delete("/{page_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_page(page_id: uuid.UUID, current: CurrentDep, service: ServiceDep) -> None:
    """Delete one of your status pages; its public address answers 404 at once."""
    service.delete(current[0], page_id)
