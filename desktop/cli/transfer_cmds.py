"""`upwatch export` and `upwatch import`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.context import Context, err, out
from desktop.errors import InvalidInput
from desktop.services.transfer import (
    build_export,
    export_csv,
    export_json,
    export_yaml,
    import_document,
    parse_document,
)


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    """Write monitors and channels as JSON, YAML or CSV."""
    with_channels = args.format != "csv" and not args.no_channels
    document = build_export(ctx.db, ctx.secrets, with_channels=with_channels)
    render = {"json": export_json, "yaml": export_yaml, "csv": export_csv}[args.format]
    text = render(document)
    if args.output and args.output != "-":
        path = Path(args.output)
        path.touch(mode=0o600, exist_ok=True)  # it may hold channel tokens: owner only
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")
        what = _count(len(document.monitors), "monitor")
        if with_channels:
            what += " and " + _count(len(document.channels), "channel")
        out(f"Wrote {what} to {args.output}")
    else:
        sys.stdout.write(text)
    if document.channels and args.format != "csv":
        err("note: the export holds channel URLs with their tokens; keep it private")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    """Create or update monitors and channels from an export file."""
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{args.file} is not UTF-8 text") from None
    monitors, channels = import_document(ctx.db, ctx.secrets, parse_document(text))
    out(f"Imported {monitors} monitors and {channels} channels.")
    return 0
