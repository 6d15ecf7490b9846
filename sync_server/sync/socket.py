"""The change WebSocket (/api/sync/ws): "something changed, pull" for a signed-in desktop.

The first message must be {"token": "<access token>"} within 10 s (a token in the URL would
end up in logs). The socket closes when that token would have expired; the desktop then
reconnects with a fresh one. Close codes: 4401 not signed in, 4403 foreign origin (before
the upgrade), 4429 too many sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from sync_server.auth.cookies import allowed_origins
from sync_server.auth.tokens import read_access_token
from sync_server.deps import as_caller
from sync_server.errors import NotAuthenticated
from sync_server.sync.hub import ChangeHub

HELLO_TIMEOUT_S = 10.0


def _authenticate(app: Any, token: object) -> uuid.UUID:
    """Return the user of a live access token; raise NotAuthenticated."""
    if not isinstance(token, str) or not token:
        raise NotAuthenticated('send {"token": <access token>} first')
    settings = app.state.settings
    claims = read_access_token(token, keys=settings.jwt_keys, issuer=settings.jwt_issuer)
    engine = app.state.engine
    return as_caller(engine, engine, settings, claims, lambda _, caller: caller.id)


async def serve_changes(websocket: WebSocket) -> None:
    """Authenticate, then send {"type": "changed"} whenever the account changes.

    A browser page from another site is refused before the upgrade: browsers send
    Origin on WebSocket upgrades; the desktop sends none.
    """
    origin = websocket.headers.get("origin")
    settings = websocket.app.state.settings
    if origin is not None and origin.rstrip("/") not in allowed_origins(settings):
        await websocket.close(code=4403, reason="this origin may not open the change socket")
        return
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(websocket.receive_json(), timeout=HELLO_TIMEOUT_S)
        token = hello.get("token") if isinstance(hello, dict) else None
        user_id = await run_in_threadpool(_authenticate, websocket.app, token)
    except (TimeoutError, ValueError, NotAuthenticated) as exc:
        reason = exc.message if isinstance(exc, NotAuthenticated) else "sign in first"
        await websocket.close(code=4401, reason=reason[:120])
        return
    except WebSocketDisconnect:
        return
    hub: ChangeHub = websocket.app.state.hub
    queue = hub.subscribe(user_id)
    if queue is None:
        await websocket.close(code=4429, reason="too many open sockets for this account")
        return
    lifetime = float(websocket.app.state.settings.access_token_seconds)
    try:
        await websocket.send_json({"type": "ready"})
        await asyncio.wait_for(_relay(websocket, queue), timeout=lifetime)
    except TimeoutError:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=4401, reason="token expired: reconnect with a fresh one")
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(user_id, queue)


async def _relay(websocket: WebSocket, queue: asyncio.Queue[None]) -> None:
    incoming = asyncio.ensure_future(websocket.receive_text())
    try:
        while True:
            change = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({incoming, change}, return_when=asyncio.FIRST_COMPLETED)
            if incoming in done:
                change.cancel()
                incoming.result()  # raises WebSocketDisconnect when the client went away
                incoming = asyncio.ensure_future(websocket.receive_text())  # ignore chatter
                continue
            await websocket.send_json({"type": "changed"})
    finally:
        incoming.cancel()
