"""AccountController: the Upwatch Cloud account and sync status for the Account page and tray."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from desktop.errors import UpwatchError
from desktop.services.cloud import REFRESH_KEY, CloudService
from desktop.services.sync_loop import Subscribe, SyncLoop, SyncStatus

PLAN_POLL_S = 5.0
PLAN_WATCH_S = 15 * 60.0


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the views show about the account and sync."""

    signed_in: bool = False
    email: str | None = None
    server: str | None = None
    plan: str | None = None
    last_sync_at: datetime | None = None
    pending: int = 0
    error: str | None = None
    busy: bool = False
    refused: tuple[str, ...] = ()  # "Name: why" of monitors the server would not take
    notice: str | None = None  # from billing: what a downgrade paused, a failed payment
    waiting_for_plan: bool = False  # a checkout or the portal is open in the browser
    billing: bool | None = None  # does the server sell plans (None: not asked yet)

    def sync_line(self, now: datetime | None = None) -> str:
        """One line for the tray menu: "synced 2 min ago", "3 changes waiting", the error."""
        if not self.signed_in:
            return f"Signed out: {self.error}" if self.error else "Not signed in"
        if self.error:
            return f"Sync problem: {self.error}"
        if self.last_sync_at is None:
            return "Not synced yet"
        seconds = ((now or datetime.now(UTC)) - self.last_sync_at).total_seconds()
        ago = "just now" if seconds < 60 else f"{int(seconds // 60)} min ago"
        if seconds >= 3600:
            ago = f"{int(seconds // 3600)} h ago"
        waiting = f" · {self.pending} change(s) waiting" if self.pending else ""
        return f"Synced {ago}{waiting}"

    def refused_lines(self, names_shown: int = 3) -> list[str]:
        """The monitors the server would not take, one line per reason: a thousand monitors
        over the free plan's limit make one line ("990 monitors: why (a, b, c and 987 more)"),
        not a thousand lines that say the same."""
        by_reason: dict[str, list[str]] = {}
        for item in self.refused:
            name, colon, why = item.partition(": ")
            by_reason.setdefault(why if colon else item, []).append(name if colon else "")
        lines = []
        for why, names in by_reason.items():
            if len(names) == 1:
                lines.append(f"{names[0]}: {why}" if names[0] else why)
                continue
            shown = ", ".join(names[:names_shown])
            more = f" and {len(names) - names_shown} more" if len(names) > names_shown else ""
            what = "channels" if all(n.startswith("channel ") for n in names) else "monitors"
            lines.append(f"{len(names)} {what}: {why} ({shown}{more})")
        return lines


class AccountController(QObject):
    """Signs in and out, and runs the sync loop; views listen to account_changed."""

    account_changed = Signal()
    pulled_changes = Signal()  # monitors changed on another device arrived here
    open_in_browser = Signal(str)  # a Stripe page: the view opens it

    def __init__(
        self,
        cloud: CloudService,
        *,
        period: float = 60.0,
        plan_poll_s: float = PLAN_POLL_S,
        config_events: Subscribe | None = None,
    ) -> None:
        """config_events: Monitoring's subscribe, so changes are pushed once it reads them."""
        super().__init__()
        self.cloud = cloud
        self.view = AccountView()
        self.sync_loop = SyncLoop(cloud, period=period, on_status=self._synced)
        if config_events is not None:
            self.sync_loop.follow(config_events)
        self._task: asyncio.Task[None] | None = None
        self._plan_poll_s = plan_poll_s
        self._watch: asyncio.Task[None] | None = None
        self._plan_task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Read the stored account and sync state."""
        status = await asyncio.to_thread(self.cloud.status)
        # the keyring only once an account was signed in here (a locked one may prompt)
        token = bool(status.get("email")) and await asyncio.to_thread(self._has_token)
        last = status.get("last_sync_at")
        self._set(
            signed_in=token and bool(status.get("email")),
            email=_str(status.get("email")),
            server=_str(status.get("server")),
            plan=_str(status.get("plan")),
            last_sync_at=datetime.fromisoformat(str(last)) if last else None,
            pending=int(status.get("pending") or 0),
            error=_str(status.get("last_error")),
        )

    def start(self) -> None:
        """Start syncing in the background (it idles while signed out)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self.sync_loop.run())

    async def stop(self) -> None:
        """Stop syncing, watching the plan, and close the connection."""
        for task in (self._watch, self._plan_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.cloud.aclose()

    def sync_now(self) -> None:
        """Sync as soon as possible (also after a local change)."""
        self.sync_loop.kick()

    async def sign_in(self, server: str, email: str, password: str, *, create: bool) -> str | None:
        """Sign in (or create the account first); return None, or the message to show."""
        self._set(busy=True, error=None)
        try:
            if create:
                await self.cloud.sign_up(email, password, server or None)
            else:
                await self.cloud.sign_in(email, password, server or None)
        except UpwatchError as exc:
            self._set(busy=False)
            return exc.message
        await self.refresh()
        self._set(busy=False)
        self.sync_now()
        await self.refresh_plan()
        return None

    async def sign_out(self) -> None:
        """Sign out; local monitors and history stay."""
        self._set(busy=True)
        try:
            await self.cloud.sign_out()
        finally:
            await self.refresh()
            self._set(busy=False, error=None)

    async def upgrade(self, plan: str) -> str | None:
        """Open Stripe Checkout for a paid plan in the browser and watch for the new plan;
        return None, or the message to show."""
        return await self._open_billing(lambda: self.cloud.checkout_url(plan))

    async def manage_billing(self) -> str | None:
        """Open Stripe's billing portal in the browser; return None, or the message to show."""
        return await self._open_billing(self.cloud.portal_url)

    async def refresh_plan(self) -> None:
        """Ask the server for the plan and any billing notice (best effort)."""
        try:
            found = await self.cloud.subscription()
        except UpwatchError:
            return
        self._set(
            plan=_str(found.get("plan")),
            notice=_str(found.get("notice")),
            billing=bool(found.get("billing_available")),
        )

    async def _open_billing(self, link: Callable[[], Awaitable[str]]) -> str | None:
        self._set(busy=True)
        try:
            url = await link()
        except UpwatchError as exc:
            return exc.message
        finally:
            self._set(busy=False)
        self.open_in_browser.emit(url)
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._watch_plan(self.view.plan))
        return None

    async def _watch_plan(self, before: str | None) -> None:
        """Poll the plan while the user pays in the browser: the webhook lands within seconds
        of paying; give up after PLAN_WATCH_S."""
        self._set(waiting_for_plan=True)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PLAN_WATCH_S
            while loop.time() < deadline:
                await asyncio.sleep(self._plan_poll_s)
                await self.refresh_plan()
                if self.view.plan != before:
                    self.sync_now()  # cloud checks may have changed too
                    return
        finally:
            self._set(waiting_for_plan=False)

    def _synced(self, status: SyncStatus) -> None:
        if status.signed_in and self.view.billing is None and self._plan_task is None:
            self._plan_task = asyncio.ensure_future(self.refresh_plan())  # once per run
        if status.report is not None and status.report.pulled:
            self.pulled_changes.emit()
        # signed out by the server (revoked, password changed): keep saying why
        ended = not status.signed_in and self.view.signed_in
        if status.report is not None:
            self._set(refused=tuple(status.report.refused))
        self._set(
            signed_in=status.signed_in,
            last_sync_at=status.last_sync_at,
            pending=status.pending,
            error=status.error if status.signed_in or ended else self.view.error,
        )

    def _has_token(self) -> bool:
        try:
            return self.cloud.secrets.get(REFRESH_KEY) is not None
        except UpwatchError:
            return False

    def _set(self, **changes: object) -> None:
        self.view = replace(self.view, **changes)  # type: ignore[arg-type]
        self.account_changed.emit()


def _str(value: object) -> str | None:
    return None if value is None else str(value)
