"""Route inventory (checklist D1): every route needs a signed-in user unless listed public."""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.deps import get_current

PUBLIC_ROUTES = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),  # a scraper token or a private peer (sync_server/ops/metrics.py)
}


def needs_user(dependant: Dependant) -> bool:
    return any(d.call is get_current or needs_user(d) for d in dependant.dependencies)


def test_every_route_is_authenticated_or_listed_public() -> None:
    app = create_app(ServerSettings(dev=True, database_url="postgresql+psycopg://u@127.0.0.1:1/x"))
    unlisted = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue  # the OpenAPI and docs pages
        for method in route.methods:
            if (method, route.path) not in PUBLIC_ROUTES and not needs_user(route.dependant):
                unlisted.append((method, route.path))
    assert unlisted == []


def test_no_route_changes_state_on_get() -> None:
    """C11 (inventory part): writes are never GETs."""
    app = create_app(ServerSettings(dev=True, database_url="postgresql+psycopg://u@127.0.0.1:1/x"))
    gets = [r.path for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods]
    assert not any(word in path for path in gets for word in ("logout", "delete", "create"))
