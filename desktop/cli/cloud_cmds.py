"""`upwatch signup | login | logout | whoami | sync | upgrade | billing`: Upwatch Cloud from a
terminal."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from typing import TypeVar

from desktop.cli.context import Context, out
from desktop.errors import CloudUnreachable, InvalidInput, NotSignedIn
from desktop.services.cloud import AccountSummary, CloudService, CloudStatus, SyncReport

T = TypeVar("T")


def _run(ctx: Context, work: Callable[[CloudService], Awaitable[T]]) -> T:
    async def go() -> T:
        service = CloudService(ctx.db, ctx.secrets)
        try:
            return await work(service)
        finally:
            await service.aclose()

    return asyncio.run(go())


def _credentials(args: argparse.Namespace, *, confirm: bool) -> tuple[str, str]:
    email = args.email or input("Email: ").strip()
    if not email:
        raise InvalidInput("an email address is needed")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Password again: ") != password:
            raise InvalidInput("the two passwords differ")
    if len(password) < 10:
        raise InvalidInput("the password must be at least 10 characters")
    return email, password


def cmd_signup(ctx: Context, args: argparse.Namespace) -> int:
    """Create an Upwatch Cloud account and sign in to it."""
    # before the password is asked for and the account exists: with no place for its
    # session, stop here rather than leave an account this computer cannot sign in to
    ctx.secrets.ensure_available()
    email, password = _credentials(args, confirm=True)
    _run(ctx, lambda s: s.sign_up(email, password, args.server))
    out(f"Signed up and signed in as {email}. Your monitors sync with `upwatch sync`")
    out("(the tray app and `upwatch run` keep them in step by themselves).")
    out(f"The session is kept in {ctx.secrets.where}.")
    return 0


def cmd_login(ctx: Context, args: argparse.Namespace) -> int:
    """Sign in to Upwatch Cloud."""
    ctx.secrets.ensure_available()
    email, password = _credentials(args, confirm=False)
    plan = _run(ctx, lambda s: s.sign_in(email, password, args.server))
    out(f"Signed in as {email} ({plan} plan). The session is kept in {ctx.secrets.where}.")
    return 0


def cmd_logout(ctx: Context, args: argparse.Namespace) -> int:
    """Sign out; local monitors and history stay."""
    _run(ctx, lambda s: s.sign_out())
    out("Signed out. Your monitors and history stay on this computer.")
    return 0


def cmd_whoami(ctx: Context, args: argparse.Namespace) -> int:
    """Show the account and the state of sync (exit 1 when not signed in or the server cannot
    be asked)."""
    code = 0
    try:
        account = _run(ctx, lambda s: s.whoami())
    except NotSignedIn as exc:
        out(exc.message[:1].upper() + exc.message[1:])
        ended = _status(ctx)["last_error"]
        if ended and ended != exc.message:
            out(f"last error: {ended}")  # why the session ended, as the runner found out
        return 1
    except CloudUnreachable as exc:
        known = _status(ctx)
        if not known["email"]:
            raise
        # what this computer knows, and that the server could not confirm it
        account = AccountSummary(
            email=known["email"], server=str(known["server"]), plan=str(known["plan"]), notice=""
        )
        out(f"the server cannot be asked now: {exc.message}")
        code = 1
    status = _status(ctx)
    out(f"{account['email']} on {account['server']} ({account['plan']} plan)")
    if account["notice"]:
        out(account["notice"])
    out(f"last sync: {status['last_sync_at'] or 'never'}; changes waiting: {status['pending']}")
    if status["last_error"]:
        out(f"last error: {status['last_error']}")
    return code


def _status(ctx: Context) -> CloudStatus:
    return CloudService(ctx.db, ctx.secrets).status()


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    """Sync once: push local changes and results, pull the cloud's."""
    report: SyncReport = _run(ctx, lambda s: s.sync())
    out(
        f"Synced: {report.pushed} change(s) and {report.results_pushed} result(s) sent,"
        f" {report.pulled} change(s) and {report.results_pulled} cloud result(s) received."
    )
    for line in report.refused:
        out(f"not synced: {line}")
    return 0 if not report.refused else 1


def cmd_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    """Open Stripe Checkout for a paid plan in the browser (and print its address)."""
    url = _run(ctx, lambda s: s.checkout_url(args.plan))
    out(f"Pay for the {args.plan} plan here (opening your browser):\n{url}")
    out("Your plan changes as soon as the payment lands: see `upwatch whoami`.")
    webbrowser.open(url)
    return 0


def cmd_billing(ctx: Context, args: argparse.Namespace) -> int:
    """Open Stripe's billing portal (card, invoices, plan changes, cancel) in the browser."""
    url = _run(ctx, lambda s: s.portal_url())
    out(f"Manage your subscription here (opening your browser):\n{url}")
    webbrowser.open(url)
    return 0
