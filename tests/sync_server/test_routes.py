"""Route inventory: every route needs a signed-in user unless listed public."""

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.deps import get_current, get_token

PUBLIC_ROUTES = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),  # a scraper token or a private peer (sync_server/ops/metrics.py)
    ("GET", "/docs"),  # the API's docs and Swagger UI's files (sync_server/apidocs/)
    ("GET", "/docs-assets/swagger-ui-bundle.js"),
    ("GET", "/docs-assets/swagger-ui.css"),
    ("GET", "/docs-assets/favicon-32x32.png"),
    ("POST", "/api/webhooks/stripe"),  # Stripe's signature instead
    ("GET", "/billing/done"),  # static pages Stripe sends the browser back to
    ("GET", "/billing/cancelled"),
    # published status pages: the page is the permission (test_public_pages.py)
    ("GET", "/s/{slug}"),
    ("GET", "/s/{slug}/feed.atom"),
    ("GET", "/api/public/status-pages/{slug}"),
    ("GET", "/api/public/status/{monitor_id}"),
    ("GET", "/api/public/badges/{monitor_id}/status.svg"),
    ("GET", "/api/public/badges/{monitor_id}/uptime.svg"),
    ("GET", "/api/public/badges/{monitor_id}/response.svg"),
}


def needs_user(dependant: Dependant) -> bool:
    """get_current checks the session itself; get_token leaves it to run_as_user."""
    return any(d.call in (get_current, get_token) or needs_user(d) for d in dependant.dependencies)


def api_routes() -> list[APIRoute]:
    """Every API route, those of included routers too (FastAPI 0.165 nests them)."""
    app: FastAPI = create_app(
        ServerSettings(dev=True, database_url="postgresql+psycopg://u@127.0.0.1:1/x")
    )
    return [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]


def test_the_inventory_sees_every_router() -> None:
    paths = {route.path for route in api_routes()}
    assert {"/api/auth/login", "/api/monitors/{monitor_id}", "/api/alert-channels"} <= paths


def test_every_route_is_authenticated_or_listed_public() -> None:
    unlisted = []
    for route in api_routes():
        for method in route.methods:
            if (method, route.path) not in PUBLIC_ROUTES and not needs_user(route.dependant):
                unlisted.append((method, route.path))
    assert unlisted == []


def test_no_route_changes_state_on_get() -> None:
    """No route changes state on GET: writes are never GETs."""
    gets = [r.path for r in api_routes() if "GET" in r.methods]
    assert len(gets) > 5
    assert not any(word in path for path in gets for word in ("logout", "delete", "create"))
