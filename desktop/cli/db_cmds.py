"""`upwatch db stats | compact`: what the SQLite file holds, and making it small again."""

from __future__ import annotations

import argparse

from desktop.cli.context import Context, out
from desktop.cli.format import table
from desktop.storage.maintenance import compact, table_stats


def _size(value: int | None) -> str:
    if value is None:
        return "—"
    for unit, size in (("MB", 1 << 20), ("kB", 1 << 10)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def cmd_db_stats(ctx: Context, args: argparse.Namespace) -> int:
    """Print rows and bytes per table."""
    stats = table_stats(ctx.db.path)
    rows = []
    for item in stats:
        per_row = f"{item.bytes / item.rows:.0f} B" if item.bytes and item.rows else "—"
        rows.append([item.name, str(item.rows), _size(item.bytes), per_row])
    out(f"Database: {ctx.db.path}")
    out(table(["TABLE", "ROWS", "SIZE", "PER ROW"], rows))
    return 0


def cmd_db_compact(ctx: Context, args: argparse.Namespace) -> int:
    """Checkpoint, vacuum and analyze the database."""
    before, after = compact(ctx.db.path)
    out(f"Compacted {ctx.db.path}: {_size(before)} → {_size(after)}")
    return 0
