"""Public routes: /s/{slug} (HTML), its Atom feed, the page and monitor JSON, SVG badges.

No sign-in: a published, live page is the permission, and a monitor on no such page
answers 404 everywhere. Responses carry an ETag (a repeat visit with
If-None-Match gets 304), a short public Cache-Control and, for HTML, a strict CSP.
Unknown query parameters are ignored here: shared links collect tracking parameters.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from shared.status_page import SLUG_PATTERN
from sync_server.config import ServerSettings
from sync_server.deps import ReadSessionDep, SettingsDep
from sync_server.errors import NotFound, error_responses
from sync_server.public.badges import render_badge, response_badge, status_badge, uptime_badge
from sync_server.public.render import BADGE_CSP, CSP, render_feed, render_page
from sync_server.public.repository import PublicRepository
from sync_server.public.schemas import MonitorStatusPublic, StatusPageOut, monitor_json, page_json
from sync_server.public.view import MonitorView, PageView, PublicViews

router = APIRouter(tags=["public"], responses=error_responses(404))
PAGE_MAX_AGE = 30
GZIP_MIN = 1400  # about one packet: smaller bodies are not worth it
GZIP_LEVEL = 5
BADGE_MAX_AGE = 60
NOT_FOUND_HTML = (
    "<!doctype html><html lang=en><meta charset=utf-8>"
    "<meta name=viewport content='width=device-width, initial-scale=1'>"
    "<title>Status page not found</title><h1>Status page not found</h1>"
    "<p>There is no published status page at this address.</p></html>"
)


async def get_views(session: ReadSessionDep) -> PublicViews:
    """Public views on this request's (read) unit of work."""
    return PublicViews(PublicRepository(session))


ViewsDep = Annotated[PublicViews, Depends(get_views)]


def cached(request: Request, body: str, media_type: str, max_age: int, csp: str | None) -> Response:
    """Return body with an ETag (gzipped when the client takes it), or 304 when the client
    already holds this version."""
    data = body.encode()
    digest = hashlib.sha256(data).hexdigest()[:24]
    gzipped = len(data) > GZIP_MIN and "gzip" in request.headers.get("accept-encoding", "")
    headers = {
        "ETag": f'"{digest}-gz"' if gzipped else f'"{digest}"',
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if csp:
        headers["Content-Security-Policy"] = csp
    if media_type == "application/json":
        headers["Access-Control-Allow-Origin"] = "*"  # public figures, never with cookies
    if digest in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if gzipped:
        # the 90 day bars repeat a lot: a 450 kB page of 50 monitors travels as ~30 kB
        headers["Content-Encoding"] = "gzip"
        data = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return Response(data, media_type=media_type, headers=headers)


def _page(views: PublicViews, slug: str) -> PageView:
    page = views.page(slug) if SLUG_PATTERN.match(slug) else None
    if page is None:
        raise NotFound("no such status page")
    return page


def _monitor(views: PublicViews, monitor_id: uuid.UUID) -> MonitorView:
    monitor = views.monitor(monitor_id)
    if monitor is None:
        raise NotFound("no such public monitor")
    return monitor


HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}},
    404: {"description": "No such published page", "content": {"text/html": {}}},
    308: {"description": "Status pages live on STATUS_URL's host"},
}


def elsewhere(request: Request, settings: ServerSettings) -> Response | None:
    """A redirect to the status origin when pages have their own and this is not it."""
    if not settings.status_url or request.url.netloc == urlsplit(settings.status_url).netloc:
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{settings.status_origin}{request.url.path}{query}", 308)


@router.get("/s/{slug}", response_class=Response, responses=HTML)
def status_page(slug: str, request: Request, views: ViewsDep, settings: SettingsDep) -> Response:
    """A published status page as HTML (no scripts, no external assets)."""
    moved = elsewhere(request, settings)
    if moved is not None:
        return moved
    try:
        page = _page(views, slug)
    except NotFound:
        headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
        return Response(NOT_FOUND_HTML, status_code=404, media_type="text/html", headers=headers)
    return cached(request, render_page(page), "text/html; charset=utf-8", PAGE_MAX_AGE, CSP)


@router.get(
    "/s/{slug}/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def incident_feed(slug: str, request: Request, views: ViewsDep, settings: SettingsDep) -> Response:
    """A published page's incidents as an Atom feed."""
    moved = elsewhere(request, settings)
    if moved is not None:
        return moved
    body = render_feed(_page(views, slug), settings.status_origin)
    return cached(request, body, "application/atom+xml; charset=utf-8", PAGE_MAX_AGE, None)


@router.get("/api/public/status-pages/{slug}", response_model=StatusPageOut)
def status_page_json(slug: str, request: Request, views: ViewsDep) -> Response:
    """A published status page as JSON."""
    body = page_json(_page(views, slug))
    return cached(request, body, "application/json", PAGE_MAX_AGE, None)


@router.get("/api/public/status/{monitor_id}", response_model=MonitorStatusPublic)
def monitor_status(monitor_id: uuid.UUID, request: Request, views: ViewsDep) -> Response:
    """One monitor's public status (only while a published page shows it)."""
    body = monitor_json(_monitor(views, monitor_id))
    return cached(request, body, "application/json", PAGE_MAX_AGE, None)


def _svg(request: Request, body: str) -> Response:
    return cached(request, body, "image/svg+xml", BADGE_MAX_AGE, BADGE_CSP)


SVG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}}


@router.get("/api/public/badges/{monitor_id}/status.svg", response_class=Response, responses=SVG)
def badge_status(monitor_id: uuid.UUID, request: Request, views: ViewsDep) -> Response:
    """A badge with the monitor's current state."""
    return _svg(request, render_badge(status_badge(_monitor(views, monitor_id))))


@router.get("/api/public/badges/{monitor_id}/uptime.svg", response_class=Response, responses=SVG)
def badge_uptime(
    monitor_id: uuid.UUID,
    request: Request,
    views: ViewsDep,
    window: Annotated[Literal["24h", "30d", "90d"], Query()] = "30d",
) -> Response:
    """A badge with the monitor's uptime over 24h, 30d or 90d."""
    return _svg(request, render_badge(uptime_badge(_monitor(views, monitor_id), window)))


@router.get("/api/public/badges/{monitor_id}/response.svg", response_class=Response, responses=SVG)
def badge_response(monitor_id: uuid.UUID, request: Request, views: ViewsDep) -> Response:
    """A badge with the monitor's average response time over the last 24 hours."""
    return _svg(request, render_badge(response_badge(_monitor(views, monitor_id))))
