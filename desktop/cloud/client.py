"""CloudClient: the hosted API over httpx, with silent token refresh.

The access token lives only in memory; the refresh token is handed to a callback to keep
(the caller puts it in the OS keyring) every time the server rotates it. A refresh that the
server refuses means the session is over (signed out elsewhere, revoked, or expired):
SessionEnded is raised and the caller forgets the token, keeping every local monitor.

The server treats a second use of a refresh token as theft and ends the session, so a
refresh happens once however many tasks need a new access token at the same moment (the
sync loop and the change socket, say): the first starts it, the others wait for it. It is
shielded from cancellation, because a refresh cut off after the server rotated the token
would leave only the used one here. Across processes the FileLock does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from desktop.cloud.lock import FileLock
from desktop.errors import (
    CloudRefused,
    CloudUnreachable,
    NotSignedIn,
    SessionEnded,
    SignInFailed,
)
from shared.status_page import SharedPage
from shared.sync import PullResponse, PushRequest, PushResponse

DEFAULT_SERVER = "https://cloud.upwatch.app"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# an access token is renewed this share of its lifetime before it expires (at most 30 s)
RENEW_SHARE = 0.2
_Answer = TypeVar("_Answer", bound=BaseModel)
NOT_SIGNED_IN = "not signed in to Upwatch Cloud: run `upwatch login`"

TokenSaver = Callable[[str | None], Awaitable[None] | None]


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"the server answered {response.status_code}"


def _decoded(model: type[_Answer], response: httpx.Response, path: str) -> _Answer:
    """The answer as model; one this app cannot read (a captive portal's page, a server of
    another version) is a CloudUnreachable, retried later like a lost connection."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        raise CloudUnreachable(
            f"Upwatch Cloud at {response.url.host} sent an answer to {path} this app cannot"
            " read (a network login page, or a server of another version?)"
        ) from None


def _object(body: Any, path: str) -> dict[str, Any]:
    """The JSON object the server answered to path; anything else is CloudUnreachable."""
    if not isinstance(body, dict):
        raise CloudUnreachable(f"Upwatch Cloud sent an answer to {path} this app cannot read")
    return body


class CloudClient:
    """One account on one server; every call may raise a CloudError."""

    def __init__(
        self,
        server: str,
        *,
        refresh_token: str | None = None,
        on_refresh_token: TokenSaver | None = None,
        load_refresh_token: Callable[[], str | None] | None = None,
        refresh_lock: FileLock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self._refresh_token = refresh_token
        self._access_token: str | None = None
        self._renew_at = 0.0  # time.monotonic() after which the access token is renewed
        self._refreshing: asyncio.Future[None] | None = None
        self._on_refresh_token = on_refresh_token
        self._load_refresh_token = load_refresh_token
        self._refresh_lock = refresh_lock
        self._http = httpx.AsyncClient(base_url=self.server, timeout=TIMEOUT, transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool (after a refresh in flight has kept its new token)."""
        if self._refreshing is not None:
            with contextlib.suppress(Exception):
                await self._refreshing
        await self._http.aclose()

    def resume(self, refresh_token: str) -> None:
        """Take up a session signed in elsewhere (another Upwatch process), same server."""
        self._refresh_token = refresh_token
        self._access_token = None

    @property
    def signed_in(self) -> bool:
        """True while a refresh token is held."""
        return self._refresh_token is not None

    # -- accounts -----------------------------------------------------------------------------

    async def register(self, email: str, password: str) -> None:
        """Create an account (the server answers alike for a taken email)."""
        await self._send("POST", "/api/auth/register", json={"email": email, "password": password})

    async def login(self, email: str, password: str) -> None:
        """Sign in; raise SignInFailed for a wrong email or password."""
        try:
            body = await self._send(
                "POST", "/api/auth/login", json={"email": email, "password": password}
            )
        except NotSignedIn:
            raise SignInFailed("wrong email or password") from None
        await self._keep(body)

    async def logout(self) -> None:
        """End this session on the server (best effort) and forget its tokens."""
        try:
            if self._refresh_token is not None:
                await self._authorized("POST", "/api/auth/logout")
        except (NotSignedIn, CloudUnreachable, CloudRefused):
            pass
        finally:
            self._access_token = None
            await self._save_refresh(None)

    async def me(self) -> dict[str, Any]:
        """Return the account (email, plan, ...)."""
        return _object(await self._authorized("GET", "/api/auth/me"), "/api/auth/me")

    async def access_token(self) -> str:
        """Return a valid access token (for the change socket): the one held while it is
        fresh, else a new one."""
        return await self._fresh_token()

    # -- sync ---------------------------------------------------------------------------------

    async def push(self, request: PushRequest) -> PushResponse:
        """Send changes and results; safe to repeat."""
        # pydantic's core encodes and decodes: a push carries thousands of results
        response = await self._authorized(
            "POST",
            "/api/sync/push",
            content=request.model_dump_json(),
            headers={"Content-Type": "application/json"},
            raw=True,
        )
        return _decoded(PushResponse, response, "/api/sync/push")

    async def pull(
        self, cursor: int, results_cursor: str, device_id: str | None = None
    ) -> PullResponse:
        """Return what changed after the cursors (with device_id: also the results of the
        account's other devices)."""
        params: dict[str, str | int] = {"cursor": cursor, "results_cursor": results_cursor}
        if device_id is not None:
            params["device_id"] = device_id
        response = await self._authorized("GET", "/api/sync/pull", params=params, raw=True)
        return _decoded(PullResponse, response, "/api/sync/pull")

    # -- billing ------------------------------------------------------------------------------

    async def subscription(self) -> dict[str, Any]:
        """Return the plan, its limits and the subscription behind it."""
        return _object(await self._authorized("GET", "/api/subscription"), "/api/subscription")

    async def billing_link(self, path: str, body: dict[str, str] | None = None) -> str:
        """Return the URL of a Stripe page (checkout or portal) to open in the browser."""
        answer = await self._authorized("POST", f"/api/subscription/{path}", json=body)
        return str(answer["url"])

    # -- status pages -------------------------------------------------------------------------

    async def status_pages(self) -> list[SharedPage]:
        """Return the account's status pages."""
        body = await self._authorized("GET", "/api/status-pages")
        return [SharedPage.model_validate(page) for page in body]

    async def save_status_page(self, page_id: str | None, body: dict[str, Any]) -> SharedPage:
        """Create a status page (page_id None) or replace one; return it as stored."""
        if page_id is None:
            answer = await self._authorized("POST", "/api/status-pages", json=body)
        else:
            answer = await self._authorized("PUT", f"/api/status-pages/{page_id}", json=body)
        return SharedPage.model_validate(answer)

    # -- plumbing -----------------------------------------------------------------------------

    async def _authorized(self, method: str, path: str, **kwargs: Any) -> Any:
        token = await self._fresh_token()
        try:
            return await self._send(method, path, token=token, **kwargs)
        except NotSignedIn:
            await self._refresh(stale=token)  # it expired early (clock, restart): once more
            return await self._send(method, path, token=self._access_token, **kwargs)

    async def _fresh_token(self) -> str:
        if self._refresh_token is None:
            raise NotSignedIn(NOT_SIGNED_IN)
        if self._access_token is None or time.monotonic() >= self._renew_at:
            await self._refresh(stale=self._access_token)
        if self._access_token is None:  # the refresh raises first; this only narrows the type
            raise NotSignedIn(NOT_SIGNED_IN)
        return self._access_token

    async def _refresh(self, *, stale: str | None) -> None:
        """Replace the access token `stale`: once, however many tasks ask at the same time."""
        if self._access_token is not None and self._access_token != stale:
            return  # another task renewed it while this one waited for an answer
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(self._refresh_once())
        await asyncio.shield(self._refreshing)

    async def _refresh_once(self) -> None:
        try:
            if self._refresh_lock is None:
                await self._refresh_now()
            else:
                async with self._refresh_lock.held():
                    await self._refresh_now()
        finally:
            self._refreshing = None

    async def _refresh_now(self) -> None:
        if self._load_refresh_token is not None:
            # another Upwatch process (the tray app, a CLI command) may have rotated it: using
            # the old one would count as reuse and end the session everywhere
            self._refresh_token = self._load_refresh_token() or self._refresh_token
        if self._refresh_token is None:
            raise NotSignedIn(NOT_SIGNED_IN)
        try:
            body = await self._send(
                "POST", "/api/auth/refresh", json={"refresh_token": self._refresh_token}
            )
        except NotSignedIn:
            self._access_token = None
            await self._save_refresh(None)
            raise SessionEnded(
                "your Upwatch Cloud session has ended (signed out elsewhere, or the password"
                " changed): sign in again with `upwatch login`; local monitors are kept"
            ) from None
        await self._keep(body)

    async def _keep(self, body: Any) -> None:
        self._access_token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 0)
        self._renew_at = time.monotonic() + lifetime - min(30.0, lifetime * RENEW_SHARE)
        await self._save_refresh(str(body["refresh_token"]))

    async def _save_refresh(self, token: str | None) -> None:
        self._refresh_token = token
        if self._on_refresh_token is not None:
            outcome = self._on_refresh_token(token)
            if outcome is not None:
                await outcome

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        raw: bool = False,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise CloudUnreachable(
                f"cannot reach Upwatch Cloud at {self.server} ({type(exc).__name__}); check the"
                " connection or the server address"
            ) from exc
        if response.status_code == 401:
            raise NotSignedIn(_message(response))
        if response.status_code == 429:
            wait = response.headers.get("Retry-After", "60")
            raise CloudUnreachable(
                f"Upwatch Cloud asks to slow down ({_message(response)}); try again in {wait} s"
            )
        if response.status_code in (502, 503, 504):
            retry = response.headers.get("Retry-After")
            if retry is None:  # not a pause the server asks for: say what it said
                raise CloudRefused(_message(response))
            raise CloudUnreachable(
                f"Upwatch Cloud is busy ({_message(response)}); try again in {retry} s"
            )
        if response.status_code >= 500:
            raise CloudUnreachable(f"Upwatch Cloud failed: {_message(response)}")
        if response.status_code >= 400:
            raise CloudRefused(_message(response))
        if raw:
            return response
        return response.json() if response.content else None
