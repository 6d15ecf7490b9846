"""create_app(): the hosted API, wired from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sync_server.auth.endpoints import router as auth_router
from sync_server.billing.endpoints import router as billing_router
from sync_server.channels.endpoints import router as channels_router
from sync_server.config import ServerSettings
from sync_server.db import make_engine
from sync_server.errors import install_error_handlers
from sync_server.monitors.endpoints import router as monitors_router
from sync_server.ratelimit import RateLimiter, rate_limit_middleware


def create_app(
    settings: ServerSettings, *, on_shutdown: Callable[[], None] | None = None
) -> FastAPI:
    """Return the FastAPI app for these settings (on_shutdown runs when the server stops)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.engine.dispose()
        if on_shutdown is not None:
            on_shutdown()

    app = FastAPI(title="Upwatch", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    install_error_handlers(app)
    app.middleware("http")(rate_limit_middleware(RateLimiter(settings)))
    app.include_router(auth_router)
    app.include_router(monitors_router)
    app.include_router(billing_router)
    app.include_router(channels_router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok"}

    return app
