"""The hosted API served for real (uvicorn on 127.0.0.1) in a background thread.

Desktop-side tests talk to it over HTTP exactly as the app does; stop() ends it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any, Self

import uvicorn
from sqlalchemy import Engine, create_engine, text

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.schema import metadata
from sync_server.serving import http_protocol
from tests.support.threaded_app import find_free_port

SECRET = "test-secret-0123456789-0123456789-abcdef"


class ApiServer:
    """`upwatch server` on a free port, over an emptied test database."""

    def __init__(self, database_url: str, **settings: Any) -> None:
        self.port = find_free_port()
        # the tests' webhook receivers live on loopback: the cloud may reach them here; links
        # it makes (status pages, Stripe's return pages) point at where it really listens
        self.settings = ServerSettings(
            database_url=database_url,
            jwt_secret=SECRET,
            outbound_allow=["127.0.0.0/8"],
            **{"public_url": f"http://127.0.0.1:{self.port}", **settings},
        )
        self.app = create_app(self.settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
            http=http_protocol(self.app),  # as `upwatch server` serves
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="api-server", daemon=True)

    @property
    def url(self) -> str:
        """The server's base address."""
        return f"http://127.0.0.1:{self.port}"

    @contextlib.contextmanager
    def database(self) -> Iterator[Engine]:
        """An engine of its own on the server's database, disposed of on the way out."""
        # not the app's pool: the test connects as another process would
        engine = create_engine(self.settings.database_url)
        try:
            yield engine
        finally:
            engine.dispose()

    def empty(self) -> None:
        """Remove every row (a fresh start for a test)."""
        with self.app.state.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(metadata.tables)} CASCADE"))

    def start(self) -> Self:
        """Start serving; return once it accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=15)
