"""create_app(): the hosted API, wired from settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response

from sync_server.apidocs.endpoints import docs_router
from sync_server.auth.endpoints import router as auth_router
from sync_server.billing.endpoints import pages as billing_pages
from sync_server.billing.endpoints import router as billing_router
from sync_server.billing.endpoints import webhooks as billing_webhooks
from sync_server.billing.gateway import StripeGateway
from sync_server.channels.endpoints import router as channels_router
from sync_server.config import ServerSettings
from sync_server.db import libpq_url, make_engine
from sync_server.deps import reject_unknown_query
from sync_server.errors import UnexpectedErrorMiddleware, error_responses, install_error_handlers
from sync_server.monitors.endpoints import router as monitors_router
from sync_server.ops.access import AccessMiddleware
from sync_server.ops.metrics import Metrics
from sync_server.ops.sentry import init_sentry
from sync_server.public.endpoints import router as public_router
from sync_server.ratelimit import RateLimiter, RateLimitMiddleware
from sync_server.status_pages.endpoints import router as status_pages_router
from sync_server.storable import reject_unstorable_text
from sync_server.sync.endpoints import router as sync_router
from sync_server.sync.hub import ChangeHub


def create_app(
    settings: ServerSettings, *, on_shutdown: Callable[[], None] | None = None
) -> FastAPI:
    """Return the FastAPI app for these settings (on_shutdown runs when the server stops)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listener = asyncio.create_task(app.state.hub.run(), name="change-hub")
        yield
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        if on_shutdown is not None:
            on_shutdown()

    init_sentry(settings.sentry_dsn, settings.environment)
    app = FastAPI(
        title="Upwatch",
        version="0.1.0",
        lifespan=lifespan,
        responses=error_responses(400, 429),  # a body that is not JSON; rate limits
        docs_url=None,  # served below from the package's own copy of Swagger UI
        redoc_url=None,  # ReDoc would come from a CDN: /docs is the one docs page
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.read_engine = (
        make_engine(settings.database_read_url) if settings.database_read_url else app.state.engine
    )
    app.state.hub = ChangeHub(libpq_url(settings.database_url))
    metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(RateLimitMiddleware, limiter=RateLimiter(settings))
    app.add_middleware(UnexpectedErrorMiddleware)  # the rate limiter's errors too
    app.add_middleware(AccessMiddleware, metrics=metrics)  # added last: runs first
    app.state.stripe = (
        StripeGateway(settings.stripe_secret_key or "", settings.stripe_api_base)
        if settings.billing_configured
        else None
    )
    routers = (auth_router, monitors_router, billing_router, billing_webhooks, channels_router)
    checks = [Depends(reject_unknown_query), Depends(reject_unstorable_text)]
    for router in (*routers, status_pages_router, sync_router):
        app.include_router(router, dependencies=checks)
    app.include_router(billing_pages)
    app.include_router(public_router)  # no unknown-query check: shared links gather tags
    app.include_router(docs_router(app.openapi_url or "/openapi.json", app.title))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"], response_class=Response, responses=error_responses(403))
    def prometheus(request: Request) -> Response:
        """Prometheus metrics (for the configured scraper)."""
        return metrics.exposition(request, settings)

    return app
