"""`upwatch share | unshare`: the account's public status page from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import webbrowser
from collections.abc import Awaitable, Callable
from typing import TypeVar

from desktop.cli.context import Context, out
from desktop.errors import InvalidInput
from desktop.services.cloud import CloudService
from desktop.services.monitors import MonitorService
from desktop.services.sharing import ShareService, monitor_names
from shared.status_page import SharedPage

T = TypeVar("T")


def _run(ctx: Context, work: Callable[[ShareService], Awaitable[T]]) -> T:
    async def go() -> T:
        cloud = CloudService(ctx.db, ctx.secrets)
        try:
            return await work(ShareService(cloud, MonitorService(ctx.db)))
        finally:
            await cloud.aclose()

    return asyncio.run(go())


def _show(ctx: Context, page: SharedPage) -> None:
    names = {s.spec.id: s.spec.name for s in MonitorService(ctx.db).summaries()}
    shown = ", ".join(monitor_names(page, names)) or "no monitors yet"
    draft = "" if page.published else " (not published)"
    out(f"{page.title}{draft}: {page.url}\n  shows: {shown}")


def cmd_share(ctx: Context, args: argparse.Namespace) -> int:
    """Put monitors on the public status page and print its link (--list: show the pages)."""
    if args.list:
        if args.monitors or args.title or args.slug:
            raise InvalidInput("--list takes no monitors, --title or --slug")
        pages = _run(ctx, lambda s: s.pages())
        for page in pages:
            _show(ctx, page)
        if not pages:
            out("No status page yet: `upwatch share MONITOR` makes one.")
        return 0
    if not args.monitors:
        raise InvalidInput("name the monitors to share, or use --list")
    page = _run(ctx, lambda s: s.share(args.monitors, title=args.title, slug=args.slug))
    _show(ctx, page)
    if args.open:
        webbrowser.open(page.url)
    return 0


def cmd_unshare(ctx: Context, args: argparse.Namespace) -> int:
    """Take monitors off every status page that shows them."""
    changed = _run(ctx, lambda s: s.unshare(args.monitors))
    for page in changed:
        _show(ctx, page)
    if not changed:
        out("None of these monitors is on a status page.")
    return 0
