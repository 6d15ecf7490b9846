"""`upwatch export` and `upwatch import`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.context import Context, err, out
from desktop.services.transfer import (
    RENDERERS,
    build_export,
    import_document,
    parse_document,
    read_text_file,
    write_private_file,
)


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    """Write monitors and channels as JSON, YAML or CSV."""
    with_channels = args.format != "csv" and not args.no_channels
    document = build_export(ctx.db, ctx.secrets, with_channels=with_channels)
    text = RENDERERS[args.format](document)
    if args.output and args.output != "-":
        write_private_file(Path(args.output), text)
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
    text = sys.stdin.read() if args.file == "-" else read_text_file(Path(args.file))
    monitors, channels = import_document(ctx.db, ctx.secrets, parse_document(text))
    out(f"Imported {monitors} monitors and {channels} channels.")
    return 0
