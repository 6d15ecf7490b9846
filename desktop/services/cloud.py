"""CloudService: Upwatch Cloud on the desktop, in one object for the CLI, the tray and tests.

A thin facade over three parts, each doing one job: CloudSession (the account, its tokens
and its one client), CloudSync (a sync run) and Billing (the plan and Stripe's pages). It
adds only what the UI and `upwatch whoami` read back from the database (`status`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from desktop.cloud.client import CloudClient
from desktop.secrets.store import SecretStore
from desktop.services.billing import AccountSummary, Billing
from desktop.services.cloud_session import REFRESH_KEY, CloudSession, Transport, server_address
from desktop.services.cloud_sync import FIRST_PUSH_WINDOW, PUSHES_IN_FLIGHT, CloudSync, SyncReport
from desktop.storage.database import Database

__all__ = [
    "FIRST_PUSH_WINDOW",
    "PUSHES_IN_FLIGHT",
    "REFRESH_KEY",
    "AccountSummary",
    "CloudService",
    "CloudStatus",
    "SyncReport",
    "server_address",
]


class CloudStatus(TypedDict):
    """What the UI and `upwatch whoami` show, as stored here (None: not known yet)."""

    server: str | None
    email: str | None
    plan: str | None
    last_sync_at: str | None  # ISO 8601
    last_error: str | None
    pending: int  # local changes not in the cloud yet


class CloudService:
    """One computer's link to its Upwatch Cloud account."""

    def __init__(self, db: Database, secrets: SecretStore, *, transport: Transport = None) -> None:
        self.session = CloudSession(db, secrets, transport=transport)
        self.syncing = CloudSync(self.session)
        self.billing = Billing(self.session)
        self.store = self.session.store
        self.secrets = secrets

    # -- account (CloudSession) ---------------------------------------------------------------

    async def sign_up(self, email: str, password: str, server: str | None = None) -> None:
        """Create an account and sign in to it (raise as sign_in does)."""
        await self.session.sign_up(email, password, server)

    async def sign_in(self, email: str, password: str, server: str | None = None) -> str:
        """Sign in (raise SignInFailed, CloudUnreachable); return the plan."""
        return await self.session.sign_in(email, password, server)

    async def sign_out(self) -> None:
        """End the session on the server (best effort) and forget it here; local data stays."""
        await self.session.sign_out()

    async def client(self) -> CloudClient:
        """Return the signed-in account's client; raise NotSignedIn when there is none."""
        return await self.session.client()

    async def socket_token(self) -> str | None:
        """Return a valid access token for the change socket, or None when signed out."""
        return await self.session.socket_token()

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.session.aclose()

    # -- plan (Billing) -----------------------------------------------------------------------

    async def whoami(self) -> AccountSummary:
        """Return server, email, plan and any billing notice (asking the server)."""
        return await self.billing.whoami()

    async def subscription(self) -> dict[str, Any]:
        """Return the plan and subscription (asking the server); the plan is kept here too."""
        return await self.billing.subscription()

    async def checkout_url(self, plan: str) -> str:
        """Return the Stripe Checkout page for a paid plan (raise CloudRefused)."""
        return await self.billing.checkout_url(plan)

    async def portal_url(self) -> str:
        """Return Stripe's billing portal (card, invoices, plan changes, cancel)."""
        return await self.billing.portal_url()

    # -- sync (CloudSync) ---------------------------------------------------------------------

    async def sync(self, now: datetime | None = None) -> SyncReport:
        """Run one sync and return what it did (raise NotSignedIn, CloudError)."""
        return await self.syncing.sync(now)

    # -- what is stored here (blocking SQLite reads: call them in a worker thread) -----------

    def account(self) -> str | None:
        """Return the email of the account signed in here, as stored."""
        return self.store.get("email")

    def server(self) -> str | None:
        """Return the server of the signed-in account (None before the first sign-in)."""
        return self.store.get("server")

    def untried(self) -> int:
        """Return how many local changes no push has tried yet."""
        return self.store.untried_count()

    def status(self) -> CloudStatus:
        """Return the account, last sync, changes waiting and last error, as stored."""
        return {
            "server": self.store.get("server"),
            "email": self.store.get("email"),
            "plan": self.store.get("plan"),
            "last_sync_at": self.store.get("last_sync_at"),
            "last_error": self.store.get("last_error"),
            "pending": self.store.pending_count(),
        }
