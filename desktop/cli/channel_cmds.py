"""`upwatch channel add | list | test | rm`."""

from __future__ import annotations

import argparse
import asyncio

from desktop.cli.context import Context, err, out
from desktop.cli.format import table
from desktop.errors import InvalidInput
from desktop.notify.targets import email_url, telegram_url
from desktop.services.channels import ChannelService


def _target(args: argparse.Namespace) -> str:
    if args.email:
        if not args.smtp:
            raise InvalidInput("--email needs --smtp smtp://user:password@host:port")
        return email_url(args.email, args.smtp)
    if args.telegram_chat:
        return telegram_url(args.target or "", args.telegram_chat)
    if not args.target:
        raise InvalidInput("give an Apprise URL, a webhook URL, or --email with --smtp")
    return str(args.target)


def cmd_channel_add(ctx: Context, args: argparse.Namespace) -> int:
    """Add an alert channel."""
    info = ChannelService(ctx.db, ctx.secrets).add(
        args.name, _target(args), monitor_refs=args.monitor or None
    )
    scope = "all monitors" if info.is_default else f"{info.monitors} monitor(s)"
    out(f"Added channel {info.name} ({info.kind}: {info.target}) for {scope}")
    out(f"Its URL is kept in {ctx.secrets.where}. Try it with: upwatch channel test {info.name}")
    return 0


def cmd_channel_list(ctx: Context, args: argparse.Namespace) -> int:
    """List alert channels (URLs redacted)."""
    channels = ChannelService(ctx.db, ctx.secrets).list()
    if not channels:
        out("No alert channels yet. Add one with: upwatch channel add NAME APPRISE_URL")
        return 0
    rows = [
        [
            c.name,
            c.kind,
            "all" if c.is_default else str(c.monitors),
            f"failing ({c.failures}): {c.last_error}" if c.failures else "ok",
            c.sends_from,
            c.target,
        ]
        for c in channels
    ]
    out(table(["NAME", "KIND", "MONITORS", "HEALTH", "SENT BY", "TARGET"], rows))
    return 0


def cmd_channel_test(ctx: Context, args: argparse.Namespace) -> int:
    """Send a test message through a channel."""
    error = asyncio.run(ChannelService(ctx.db, ctx.secrets).send_test(args.name))
    if error:
        err(f"upwatch: test message to {args.name} failed: {error}")
        return 1
    out(f"Test message sent through {args.name}.")
    return 0


def cmd_channel_rm(ctx: Context, args: argparse.Namespace) -> int:
    """Remove an alert channel and its secret."""
    info = ChannelService(ctx.db, ctx.secrets).remove(args.name)
    out(f"Removed channel {info.name}")
    return 0
