"""Billing: the signed-in account's plan, and the Stripe pages that change it.

Payment happens on Stripe's pages in the browser; this computer only asks the server for
their links and for the plan, which it keeps so the UI can show it while offline.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from desktop.services.cloud_session import CloudSession


class AccountSummary(TypedDict):
    """What `upwatch whoami` shows about the account, as the server has it."""

    server: str
    email: str
    plan: str
    notice: str  # a billing notice (what a downgrade paused, a failed payment), or ""


class Billing:
    """The plan of the session's account (every call raises NotSignedIn when signed out)."""

    def __init__(self, session: CloudSession) -> None:
        self.session = session

    async def whoami(self) -> AccountSummary:
        """Return the account with its plan and any billing notice (asking the server)."""
        client = await self.session.client()
        account = await client.me()
        plan = await self._plan()
        return {
            "server": client.server,
            "email": str(account["email"]),
            "plan": str(plan["plan"]),
            "notice": str(plan.get("notice") or ""),
        }

    async def subscription(self) -> dict[str, Any]:
        """Return the plan and subscription (asking the server); the plan is kept here too."""
        return await self._plan()

    async def checkout_url(self, plan: str) -> str:
        """Return the Stripe Checkout page for a paid plan (raise CloudRefused: e.g. billing
        not configured on the server, a plan already paid for)."""
        client = await self.session.client()
        return await client.billing_link("checkout", {"plan": plan})

    async def portal_url(self) -> str:
        """Return Stripe's billing portal (card, invoices, plan changes, cancel)."""
        client = await self.session.client()
        return await client.billing_link("portal")

    async def _plan(self) -> dict[str, Any]:
        client = await self.session.client()
        found = await client.subscription()
        await asyncio.to_thread(self.session.store.set, plan=str(found["plan"]))
        return found
