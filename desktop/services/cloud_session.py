"""CloudSession: this computer's Upwatch Cloud account (sign up, in, out) and its one client.

The refresh token lives in the OS keyring, the access token only in memory (inside the
CloudClient, which also makes sure a refresh happens once however many tasks need one).
Every SQLite and keyring step runs in a worker thread, so the tray app's loop never waits
on the disk.
"""

from __future__ import annotations

import asyncio
import enum
import os

import httpx

from desktop.cloud.client import DEFAULT_SERVER, NOT_SIGNED_IN, CloudClient
from desktop.cloud.lock import FileLock
from desktop.errors import InvalidInput, NotSignedIn, SecretStoreUnavailable
from desktop.secrets.store import SecretStore
from desktop.storage.channel_sync import ChannelSyncStore
from desktop.storage.database import Database
from desktop.storage.incident_sync import CURSOR_KEY as INCIDENTS_CURSOR
from desktop.storage.sync_store import SyncStore

# None: the real network; tests give a transport that counts or cuts requests
Transport = httpx.AsyncBaseTransport | None
REFRESH_KEY = "cloud:refresh"
REFRESH_LOCK_FILE = "cloud-refresh.lock"


def server_address(given: str | None, stored: str | None) -> str:
    """Return the server to use: given, else $UPWATCH_SERVER, else the stored one, else ours.

    Raises InvalidInput for an address that is not http(s).
    """
    address = (given or os.environ.get("UPWATCH_SERVER") or stored or DEFAULT_SERVER).strip()
    url = httpx.URL(address)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInput(f"the server address must start with https:// (got {address!r})")
    return address.rstrip("/")


class SessionState(enum.Enum):
    """Where this process stands with the account."""

    SIGNED_OUT = "signed out"  # no client yet, or signed out here
    SIGNED_IN = "signed in"  # the client holds a refresh token
    SESSION_ENDED = "session ended"  # the server refused the refresh token


class CloudSession:
    """The account signed in on this computer, and the one CloudClient that talks for it."""

    def __init__(self, db: Database, secrets: SecretStore, *, transport: Transport = None) -> None:
        self.store = SyncStore(db)
        self.channels = ChannelSyncStore(db)
        self.secrets = secrets
        self.state = SessionState.SIGNED_OUT
        self._transport = transport
        self._client: CloudClient | None = None
        # one client per session, found once: the sync loop and the change socket ask at the
        # same moment, and a second client would close the first one's connections under it
        self._client_lock: asyncio.Lock | None = None

    async def sign_up(self, email: str, password: str, server: str | None = None) -> str:
        """Create an account and sign in to it; return the plan (raise as sign_in does)."""
        address = server_address(server, await self._get("server"))
        # before the account exists: with no place for its session, stop here
        await asyncio.to_thread(self.secrets.ensure_available)
        client = self._new_client(address, None)
        try:
            await client.register(email, password)
        finally:
            await client.aclose()
        return await self.sign_in(email, password, server)

    async def sign_in(self, email: str, password: str, server: str | None = None) -> str:
        """Sign in (raise SignInFailed, CloudUnreachable); queue every local monitor for the
        first sync; return the plan."""
        address = server_address(server, await self._get("server"))
        self.secrets.ensure_available()
        await self._close_client()
        client = self._new_client(address, None)
        await client.login(email, password)
        self._client, self.state = client, SessionState.SIGNED_IN
        previous = await self._get("server")
        account = await client.me()
        fresh: dict[str, str | None] = {
            "server": address,
            "email": str(account["email"]),
            "plan": str(account["plan"]),
            "last_error": None,
        }
        if previous != address or await self._get("account_id") != str(account["id"]):
            # another account or server: start its cursors from scratch
            fresh |= {"cursor": None, "results_cursor": None, "pushed_seq": None,
                      INCIDENTS_CURSOR: None}  # fmt: skip
        await asyncio.to_thread(self.store.set, **fresh, account_id=str(account["id"]))
        await asyncio.to_thread(self.store.queue_all_monitors)
        await asyncio.to_thread(self.channels.queue_all)
        return str(account["plan"])

    async def sign_out(self) -> None:
        """End the session on the server (best effort) and forget it here; local data stays."""
        client = await self.client_or_none()
        if client is not None:
            await client.logout()
        await self._close_client()
        self.state = SessionState.SIGNED_OUT
        await asyncio.to_thread(self.secrets.delete, REFRESH_KEY)
        await asyncio.to_thread(
            self.store.set, email=None, plan=None, account_id=None, last_error=None
        )

    async def client(self) -> CloudClient:
        """Return the signed-in account's client; raise NotSignedIn when there is none."""
        found = await self._signed_in_client()
        if isinstance(found, NotSignedIn):
            raise found
        return found

    async def client_or_none(self) -> CloudClient | None:
        """Return the signed-in account's client, or None when there is none."""
        found = await self._signed_in_client()
        return None if isinstance(found, NotSignedIn) else found

    async def socket_token(self) -> str | None:
        """Return a valid access token for the change socket, or None when signed out."""
        client = await self.client_or_none()
        return None if client is None else await client.access_token()

    async def aclose(self) -> None:
        """Close the HTTP client (the session itself stays, in the keyring)."""
        await self._close_client()

    def _new_client(self, server: str, refresh_token: str | None) -> CloudClient:
        return CloudClient(
            server,
            refresh_token=refresh_token,
            on_refresh_token=self._keep_refresh_token,
            load_refresh_token=lambda: self.secrets.get(REFRESH_KEY),
            refresh_lock=FileLock(self.store.db.path.parent / REFRESH_LOCK_FILE),
            transport=self._transport,
        )

    async def _keep_refresh_token(self, token: str | None) -> None:
        if token is None:
            # the client dropped its session: signed out here (sign_out says so next), or the
            # server refused the refresh token
            self.state = SessionState.SESSION_ENDED
            await asyncio.to_thread(self.secrets.delete, REFRESH_KEY)
            await asyncio.to_thread(self.store.set, email=None, plan=None, account_id=None)
        else:
            await asyncio.to_thread(self.secrets.set, REFRESH_KEY, token)

    async def _signed_in_client(self) -> CloudClient | NotSignedIn:
        if self.state is SessionState.SIGNED_IN and self._client is not None:
            return self._client
        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self.state is SessionState.SIGNED_IN and self._client is not None:
                return self._client  # found by the task that held the lock
            return await self._find_client()

    async def _find_client(self) -> CloudClient | NotSignedIn:
        """The client for the session stored here, or why there is none."""
        server = await self._get("server")
        email = await self._get("email")
        token = None
        if server is not None and email is not None:
            # only then: reading a locked keyring may ask the user to unlock it
            try:
                token = await asyncio.to_thread(self.secrets.get, REFRESH_KEY)
            except SecretStoreUnavailable as exc:
                return NotSignedIn(f"not signed in to Upwatch Cloud. {exc.message}")
        if token is None or server is None:
            return NotSignedIn(NOT_SIGNED_IN)
        if self._client is not None and self._client.server == server.rstrip("/"):
            self._client.resume(token)  # signed in again (`upwatch login`): same connections
        else:
            await self._close_client()
            self._client = self._new_client(server, token)
        self.state = SessionState.SIGNED_IN
        return self._client

    async def _close_client(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self.state is SessionState.SIGNED_IN:
            self.state = SessionState.SIGNED_OUT

    async def _get(self, key: str) -> str | None:
        return await asyncio.to_thread(self.store.get, key)
