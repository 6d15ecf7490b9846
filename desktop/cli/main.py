"""Entry point of the `upwatch` command: parses arguments and runs one command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata

from desktop.cli import (
    channel_cmds,
    cloud_cmds,
    db_cmds,
    monitor_cmds,
    run_cmd,
    share_cmds,
    transfer_cmds,
)
from desktop.cli.context import Context, err
from desktop.cli.options import add_monitor_options, period
from desktop.errors import InvalidInput, UpwatchError

Command = Callable[[Context, argparse.Namespace], int]


def _version() -> str:
    try:
        return metadata.version("upwatch")
    except metadata.PackageNotFoundError:
        return "unknown"


def _app_needs_launcher(ctx: Context, args: argparse.Namespace) -> int:
    raise InvalidInput("start the tray app with the `upwatch` command itself")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="upwatch",
        allow_abbrev=False,
        description="Uptime monitor: checks your sites from this computer and alerts you.",
        epilog="Data lives in the user data directory; set UPWATCH_HOME to use another one.",
    )
    parser.add_argument("--version", action="version", version=f"upwatch {_version()}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation in a temporary home (database, a check, a notification,"
        " keyring, Qt offscreen); exit 0 when all pass",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        p.set_defaults(func=func)
        return p

    # `upwatch` alone or `upwatch app` start the tray app; the launcher takes those first.
    command("app", _app_needs_launcher, "start the tray app (the default with no command)")

    p = command("add", monitor_cmds.cmd_add, "add a monitor")
    p.add_argument("url", help="http:// or https:// URL to check")
    add_monitor_options(p, editing=False)
    p.add_argument("--paused", action="store_true", help="add it paused")

    p = command("list", monitor_cmds.cmd_list, "list monitors with status and uptime")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--tag", metavar="NAME", help="only the monitors with this tag")

    p = command("check", monitor_cmds.cmd_check, "check now and print (exit 1 if any is down)")
    p.add_argument("monitor", nargs="?", help="id (or its first characters) or name")
    p.add_argument("--all", action="store_true", help="check every active monitor")

    p = command("run", run_cmd.cmd_run, "run the monitors headless until Ctrl-C")
    p.add_argument("-v", "--verbose", action="store_true", help="log every batch saved")

    p = command("history", monitor_cmds.cmd_history, "show recent checks and incidents")
    p.add_argument("monitor", help="id (or its first characters) or name")
    p.add_argument("--limit", type=int, default=30, help="how many checks (30)")

    p = command("report", monitor_cmds.cmd_report, "uptime, p95 and incidents per monitor")
    p.add_argument(
        "--since", type=period, default="7d", help="how far back: 24h, 7d, 30d, 90d… (7d)"
    )

    p = command("edit", monitor_cmds.cmd_edit, "change a monitor")
    p.add_argument("monitor", help="id (or its first characters) or name")
    add_monitor_options(p, editing=True)
    p.add_argument(
        "--cloud",
        action=argparse.BooleanOptionalAction,
        help="check it from Upwatch Cloud 24/7 too (paid plans; sent by the next sync)",
    )

    for name, func, text in (
        ("pause", monitor_cmds.cmd_pause, "pause a monitor"),
        ("resume", monitor_cmds.cmd_resume, "resume a paused monitor"),
        ("rm", monitor_cmds.cmd_rm, "delete a monitor and its history"),
    ):
        command(name, func, text).add_argument("monitor", help="id or name")

    channel = sub.add_parser("channel", help="manage alert channels (Apprise URLs)")
    csub = channel.add_subparsers(dest="channel_command", metavar="ACTION", required=True)
    p = csub.add_parser("add", help="add a channel: any Apprise URL or a webhook URL")
    p.set_defaults(func=channel_cmds.cmd_channel_add)
    p.add_argument("name", help="a name for the channel")
    p.add_argument("target", nargs="?", help="Apprise URL (slack://, tgram://, mailto://, ...)")
    p.add_argument("--email", metavar="ADDRESS", help="send email to ADDRESS (with --smtp)")
    p.add_argument("--smtp", metavar="URL", help="SMTP server: smtp://user:pass@host:port")
    p.add_argument("--telegram-chat", metavar="ID", help="Telegram chat id (target: bot token)")
    p.add_argument("--monitor", action="append", help="only for this monitor (repeat)")
    p = csub.add_parser("list", help="list channels")
    p.set_defaults(func=channel_cmds.cmd_channel_list)
    p = csub.add_parser("test", help="send a test message")
    p.set_defaults(func=channel_cmds.cmd_channel_test)
    p.add_argument("name")
    p = csub.add_parser("rm", help="remove a channel")
    p.set_defaults(func=channel_cmds.cmd_channel_rm)
    p.add_argument("name")

    database = sub.add_parser("db", help="database upkeep: stats, compact")
    dsub = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = dsub.add_parser("stats", help="rows and bytes per table")
    p.set_defaults(func=db_cmds.cmd_db_stats)
    p = dsub.add_parser("compact", help="checkpoint, vacuum and analyze (stop `run` first)")
    p.set_defaults(func=db_cmds.cmd_db_compact)

    p = command("export", transfer_cmds.cmd_export, "export monitors and channels")
    p.add_argument("--format", choices=("json", "yaml", "csv"), default="json")
    p.add_argument(
        "--no-channels", action="store_true", help="leave out alert channels (and their tokens)"
    )
    p.add_argument("-o", "--output", help="file to write (default: standard output)")

    for name, func, text in (
        ("signup", cloud_cmds.cmd_signup, "create an Upwatch Cloud account and sign in"),
        ("login", cloud_cmds.cmd_login, "sign in to Upwatch Cloud"),
    ):
        p = command(name, func, text)
        p.add_argument("--email", help="account email (asked for when left out)")
        p.add_argument(
            "--server", help="server address (default: $UPWATCH_SERVER or Upwatch Cloud)"
        )
        p.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    command("logout", cloud_cmds.cmd_logout, "sign out of Upwatch Cloud (local data stays)")
    command("whoami", cloud_cmds.cmd_whoami, "show the cloud account and sync status")
    command("sync", cloud_cmds.cmd_sync, "sync monitors and results with Upwatch Cloud once")
    p = command("upgrade", cloud_cmds.cmd_upgrade, "buy a paid plan (opens Stripe Checkout)")
    p.add_argument("plan", choices=("starter", "pro", "business"), help="the plan to buy")
    command("billing", cloud_cmds.cmd_billing, "manage your subscription (opens Stripe's portal)")
    p = command("share", share_cmds.cmd_share, "put monitors on your public status page")
    p.add_argument("monitors", nargs="*", metavar="MONITOR", help="id (or its start) or name")
    p.add_argument("--title", help="the page's title (first share: Service status)")
    p.add_argument("--slug", help="the page's address: /s/SLUG (first share: from the name)")
    p.add_argument("--open", action="store_true", help="open the page in the browser")
    p.add_argument("--list", action="store_true", help="list your status pages")
    p = command("unshare", share_cmds.cmd_unshare, "take monitors off your status pages")
    p.add_argument("monitors", nargs="+", metavar="MONITOR", help="id (or its start) or name")

    p = command("import", transfer_cmds.cmd_import, "import monitors and channels (JSON/YAML)")
    p.add_argument("file", help="file to read, or - for standard input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        # the launcher runs it (it may load Qt, which the CLI never does); here it came with more
        err("upwatch: error: --self-test runs alone: `upwatch --self-test`")
        return 2
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    if getattr(args, "func", None) is not run_cmd.cmd_run:
        # one-off commands report problems themselves; keep library warnings off the screen
        logging.basicConfig(level=logging.ERROR, format="upwatch: %(message)s")
    ctx = Context()
    try:
        return int(args.func(ctx, args))
    except UpwatchError as exc:
        err(f"upwatch: error: {exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()


def entry() -> None:
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    entry()
