"""Upwatch Cloud on the desktop: the account (sign up, in, out) and sync runs.

The refresh token lives in the OS keyring, the access token only in memory (inside the
CloudClient). Every SQLite step runs in a worker thread, so the tray app's loop never waits
on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from desktop.cloud.client import DEFAULT_SERVER, CloudClient
from desktop.cloud.lock import FileLock
from desktop.errors import InvalidInput, NotSignedIn, SecretStoreUnavailable
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.services.channel_push import push_channels
from desktop.storage.channel_sync import ChannelSyncStore
from desktop.storage.database import Database
from desktop.storage.incident_sync import CURSOR_KEY as INCIDENTS_CURSOR
from desktop.storage.incident_sync import changed_incidents, next_cursor, push_since
from desktop.storage.monitors import to_spec
from desktop.storage.sync_store import Pending, SyncStore
from shared.result import to_ms
from shared.sync import (
    MAX_PUSH_CHANGES,
    MAX_PUSH_INCIDENTS,
    MAX_PUSH_RESULTS,
    MonitorChange,
    PushRequest,
)

REFRESH_KEY = "cloud:refresh"
REFRESH_LOCK_FILE = "cloud-refresh.lock"
# a first push sends the last week of local results (the free plan keeps 7 days)
FIRST_PUSH_WINDOW = timedelta(days=7)
PUSHES_IN_FLIGHT = 2


def server_address(given: str | None, stored: str | None) -> str:
    """Return the server to use: given, else $UPWATCH_SERVER, else the stored one, else ours.

    Raises InvalidInput for an address that is not http(s).
    """
    address = (given or os.environ.get("UPWATCH_SERVER") or stored or DEFAULT_SERVER).strip()
    url = httpx.URL(address)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInput(f"the server address must start with https:// (got {address!r})")
    return address.rstrip("/")


@dataclass(slots=True)
class SyncReport:
    """What one sync run did."""

    pushed: int = 0
    refused: list[str] = field(default_factory=list)
    results_pushed: int = 0
    pulled: int = 0
    results_pulled: int = 0


class CloudService:
    """One computer's link to its Upwatch Cloud account."""

    def __init__(
        self,
        db: Database,
        secrets: SecretStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = SyncStore(db)
        self.channels = ChannelSyncStore(db)
        self.secrets = secrets
        self._transport = transport
        self._client: CloudClient | None = None
        # one sync at a time per process: the tray's loop and a Share may both ask for one
        self._sync_lock: asyncio.Lock | None = None
        # one client per service, found once: the sync loop and the change socket ask at the
        # same moment, and a second client would close the first one's connections under it
        self._client_lock: asyncio.Lock | None = None

    # -- account ------------------------------------------------------------------------------

    async def sign_up(self, email: str, password: str, server: str | None = None) -> None:
        """Create an account and sign in to it."""
        address = server_address(server, await self._get("server"))
        # before the account exists: with no place for its session, stop here
        await asyncio.to_thread(self.secrets.ensure_available)
        client = self._new_client(address, None)
        try:
            await client.register(email, password)
        finally:
            await client.aclose()
        await self.sign_in(email, password, server)

    async def sign_in(self, email: str, password: str, server: str | None = None) -> str:
        """Sign in (raise SignInFailed, CloudUnreachable); queue every local monitor for the
        first sync; return the plan."""
        address = server_address(server, await self._get("server"))
        self.secrets.ensure_available()
        await self._close_client()
        client = self._new_client(address, None)
        await client.login(email, password)
        self._client = client
        previous = await self._get("server")
        account = await client.me()
        fresh: dict[str, str | None] = {
            "server": address,
            "email": str(account["email"]),
            "plan": str(account["plan"]),
        }
        fresh["last_error"] = None
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
        client = await self._signed_in_client(required=False)
        if client is not None:
            await client.logout()
        await self._close_client()
        await asyncio.to_thread(self.secrets.delete, REFRESH_KEY)
        await asyncio.to_thread(
            self.store.set, email=None, plan=None, account_id=None, last_error=None
        )

    async def whoami(self) -> dict[str, str]:
        """Return server, email, plan and any billing notice of the signed-in account (asking
        the server)."""
        client = await self._signed_in_client(required=True)
        assert client is not None
        account = await client.me()
        plan = await client.subscription()
        await asyncio.to_thread(self.store.set, plan=str(plan["plan"]))
        return {
            "server": client.server,
            "email": str(account["email"]),
            "plan": str(plan["plan"]),
            "notice": str(plan.get("notice") or ""),
        }

    async def subscription(self) -> dict[str, object]:
        """Return the plan and subscription (asking the server); the plan is kept here too."""
        client = await self._signed_in_client(required=True)
        assert client is not None
        found = await client.subscription()
        await asyncio.to_thread(self.store.set, plan=str(found["plan"]))
        return found

    async def checkout_url(self, plan: str) -> str:
        """Return the Stripe Checkout page for a paid plan (raise CloudRefused: e.g. billing
        not configured on the server, a plan already paid for)."""
        client = await self._signed_in_client(required=True)
        assert client is not None
        return await client.billing_link("checkout", {"plan": plan})

    async def portal_url(self) -> str:
        """Return Stripe's billing portal (card, invoices, plan changes, cancel)."""
        client = await self._signed_in_client(required=True)
        assert client is not None
        return await client.billing_link("portal")

    async def client(self) -> CloudClient:
        """Return the signed-in account's client; raise NotSignedIn when there is none."""
        client = await self._signed_in_client(required=True)
        assert client is not None
        return client

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._close_client()

    async def socket_token(self) -> str | None:
        """A valid access token for the change socket, or None when signed out."""
        client = await self._signed_in_client(required=False)
        return None if client is None else await client.access_token()

    def account(self) -> str | None:
        """The email of the account signed in here, as stored (a blocking SQLite read)."""
        return self.store.get("email")

    def untried(self) -> int:
        """How many local changes no push has tried yet (a blocking SQLite read)."""
        return self.store.untried_count()

    def server(self) -> str | None:
        """The server of the signed-in account (None before the first sign-in)."""
        return self.store.get("server")

    # -- sync ---------------------------------------------------------------------------------

    async def sync(self, now: datetime | None = None) -> SyncReport:
        """Push local changes and results, then pull until up to date; record the outcome.

        Runs one at a time in a process (a second call waits, then syncs what is left)."""
        if self._sync_lock is None:
            self._sync_lock = asyncio.Lock()
        async with self._sync_lock:
            return await self._sync(now)

    async def _sync(self, now: datetime | None) -> SyncReport:
        client = await self._signed_in_client(required=True)
        assert client is not None
        report = SyncReport()
        try:
            device = await asyncio.to_thread(self.store.device_id)
            await self._push_monitors(client, device, report)
            pushed, refused = await push_channels(client.push, self.channels, self.secrets, device)
            report.pushed += pushed
            report.refused += refused
            await self._push_results(client, device, report, now or datetime.now(UTC))
            await self._push_incidents(client, device, now or datetime.now(UTC))
            await self._pull(client, device, report)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            await asyncio.to_thread(self.store.set, last_error=message)
            raise
        stamp = (now or datetime.now(UTC)).isoformat()
        await asyncio.to_thread(self.store.set, last_sync_at=stamp, last_error=None)
        return report

    async def _push_monitors(self, client: CloudClient, device: str, report: SyncReport) -> None:
        pending = await asyncio.to_thread(self.store.pending)
        for start in range(0, len(pending), MAX_PUSH_CHANGES):
            chunk = pending[start : start + MAX_PUSH_CHANGES]
            changes = [_change(p) for p in chunk]
            answer = await client.push(PushRequest(device_id=device, monitors=changes))
            for item, applied in zip(chunk, answer.monitors, strict=True):
                # "older": the server has a newer change; the pull below brings it
                accepted = applied.applied or applied.reason == "older"
                error = None if accepted else (applied.reason or "refused")
                await asyncio.to_thread(self.store.settle, item.entry, error)
                if accepted:
                    report.pushed += int(applied.applied)
                else:
                    name = item.row.name if item.row is not None else item.entry.id
                    report.refused.append(f"{name}: {error}")

    async def _push_results(
        self, client: CloudClient, device: str, report: SyncReport, now: datetime
    ) -> None:
        first_from = to_ms(now - FIRST_PUSH_WINDOW)
        name = await asyncio.to_thread(self.store.device_name)
        since, top = await asyncio.to_thread(self.store.results_window, first_from)
        if since is None:
            return
        # the next page is read while earlier ones are on their way: at most PUSHES_IN_FLIGHT
        # pushes at once (each is idempotent, so a failure anywhere just means a retry)
        in_flight: set[asyncio.Task[int]] = set()
        key: tuple[int, int] | None = None
        try:
            while True:
                page, key = await asyncio.to_thread(
                    self.store.local_results_page, since, key, MAX_PUSH_RESULTS
                )
                if page:
                    if len(in_flight) >= PUSHES_IN_FLIGHT:
                        report.results_pushed += await _first_done(in_flight)
                    request = PushRequest.model_construct(
                        device_id=device, device_name=name, monitors=[], results=page
                    )
                    in_flight.add(asyncio.ensure_future(_stored(client, request)))
                if key is None:
                    break
            while in_flight:
                report.results_pushed += await _first_done(in_flight)
        finally:
            for task in in_flight:
                task.cancel()
        await asyncio.to_thread(self.store.results_pushed, top)

    async def _push_incidents(self, client: CloudClient, device: str, now: datetime) -> None:
        since = push_since(await self._get(INCIDENTS_CURSOR), now)
        offset = 0
        while True:
            page = await asyncio.to_thread(
                changed_incidents, self.store.db, since, MAX_PUSH_INCIDENTS, offset
            )
            if page:
                await client.push(PushRequest(device_id=device, incidents=page))
            if len(page) < MAX_PUSH_INCIDENTS:
                break
            offset += len(page)
        await asyncio.to_thread(self.store.set, **{INCIDENTS_CURSOR: next_cursor(now)})

    async def _pull(self, client: CloudClient, device: str, report: SyncReport) -> None:
        cursor = int(await self._get("cursor") or 0)
        results_cursor = await self._get("results_cursor") or ""
        page = await client.pull(cursor, results_cursor, device)
        while True:
            # store this page (in a thread) while the next one is fetched; pages are still
            # stored in order, each with its cursors, so an interruption resumes cleanly
            fetch = (
                asyncio.ensure_future(client.pull(page.cursor, page.results_cursor, device))
                if page.more
                else None
            )
            try:
                changed, stale = await asyncio.to_thread(
                    self.store.apply_remote, page.monitors, page.channels, device, page.cursor
                )
                report.pulled += changed
                await asyncio.to_thread(self._forget_secrets, stale)
                report.results_pulled += await asyncio.to_thread(
                    self.store.save_cloud_results, page.results, page.results_cursor
                )
            except BaseException:
                if fetch is not None:
                    fetch.cancel()
                raise
            if fetch is None:
                return
            page = await fetch

    # -- plumbing -----------------------------------------------------------------------------

    def _forget_secrets(self, channel_ids: list[str]) -> None:
        # deleted elsewhere, or its address changed there: the old URL must not linger
        for channel_id in channel_ids:
            with contextlib.suppress(SecretStoreUnavailable):
                self.secrets.delete(channel_secret_key(channel_id))

    async def _get(self, key: str) -> str | None:
        return await asyncio.to_thread(self.store.get, key)

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
            await asyncio.to_thread(self.secrets.delete, REFRESH_KEY)
            await asyncio.to_thread(self.store.set, email=None, plan=None, account_id=None)
        else:
            await asyncio.to_thread(self.secrets.set, REFRESH_KEY, token)

    async def _signed_in_client(self, *, required: bool) -> CloudClient | None:
        if self._client is not None and self._client.signed_in:
            return self._client
        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self._client is not None and self._client.signed_in:
                return self._client  # found by the task that held the lock
            return await self._find_client(required=required)

    async def _find_client(self, *, required: bool) -> CloudClient | None:
        server = await self._get("server")
        email = await self._get("email")
        token = None
        if server is not None and email is not None:
            # only then: reading a locked keyring may ask the user to unlock it
            try:
                token = await asyncio.to_thread(self.secrets.get, REFRESH_KEY)
            except SecretStoreUnavailable as exc:
                if required:
                    raise NotSignedIn(f"not signed in to Upwatch Cloud. {exc.message}") from None
                return None
        if token is None or server is None:
            if required:
                raise NotSignedIn("not signed in to Upwatch Cloud: run `upwatch login`")
            return None
        if self._client is not None and self._client.server == server.rstrip("/"):
            self._client.resume(token)  # signed in again (`upwatch login`): same connections
        else:
            await self._close_client()
            self._client = self._new_client(server, token)
        return self._client

    async def _close_client(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def status(self) -> dict[str, str | int | None]:
        """Return what the UI and `upwatch whoami` show: account, last sync, pending, error."""
        return {
            "server": self.store.get("server"),
            "email": self.store.get("email"),
            "plan": self.store.get("plan"),
            "last_sync_at": self.store.get("last_sync_at"),
            "last_error": self.store.get("last_error"),
            "pending": self.store.pending_count(),
        }


async def _stored(client: CloudClient, request: PushRequest) -> int:
    return (await client.push(request)).results_stored


async def _first_done(tasks: set[asyncio.Task[int]]) -> int:
    """Wait for one of tasks, take it out of the set and return its result (or raise)."""
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    task = done.pop()
    tasks.discard(task)
    return task.result()


def _change(pending: Pending) -> MonitorChange:
    """The change to push for a queued entry: the monitor as it is now, or a tombstone."""
    monitor_id = uuid.UUID(pending.entry.id)
    if pending.row is None:
        return MonitorChange(id=monitor_id, updated_at=pending.entry.updated_at, deleted=True)
    row = pending.row
    return MonitorChange(
        id=monitor_id, updated_at=row.updated_at, spec=to_spec(row), cloud=row.cloud
    )
