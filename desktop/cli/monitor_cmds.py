"""`upwatch add | list | check | history | edit | pause | resume | rm`."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta

from desktop.cli.context import Context, out
from desktop.cli.format import ago, ms, status_label, table
from desktop.cli.options import monitor_fields, period_label
from desktop.errors import InvalidInput
from desktop.services.checks import check_now
from desktop.services.monitors import MonitorService
from desktop.services.validation import make_spec
from desktop.storage.history import THIS_COMPUTER, StoredCheck
from desktop.storage.sync_store import SyncStore
from shared.report import render_text
from shared.result import CheckResult
from shared.tags import has_tag, tag_names
from shared.uptime import format_uptime


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    """Add a monitor."""
    fields = monitor_fields(args)
    fields["url"] = args.url
    if args.paused:
        fields["is_active"] = False
    spec = MonitorService(ctx.db).add(make_spec(fields))
    out(f"Added {spec.name} ({str(spec.id)[:8]}): {spec.method} {spec.url} every {spec.interval} s")
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    """List monitors with status, uptime and last response time."""
    summaries = MonitorService(ctx.db).summaries()
    if args.tag is not None:
        summaries = [s for s in summaries if has_tag(s.spec.tags, args.tag)]
    if args.json:
        data = [
            {
                "id": str(s.spec.id),
                "name": s.spec.name,
                "url": s.spec.url,
                "tags": s.spec.tags,
                "status": s.status.value,
                "uptime_24h": s.uptime_24h,
                "uptime_30d": s.uptime_30d,
                "last_response_ms": s.last_response_ms,
                "last_checked_at": s.last_checked_at.isoformat() if s.last_checked_at else None,
                "last_error": s.last_error,
                "cloud": s.cloud,
                "where_down": s.where_down(),
            }
            for s in summaries
        ]
        out(json.dumps(data, indent=2))
        return 0
    if not summaries and args.tag is not None:
        out(f"No monitor has the tag {args.tag!r}.")
        return 0
    if not summaries:
        out("No monitors yet. Add one with: upwatch add https://example.com")
        return 0
    now = datetime.now(UTC)
    tagged = any(s.spec.tags for s in summaries)  # no TAGS column until a monitor has one
    rows = [
        [
            str(s.spec.id)[:8],
            status_label(s.status),
            s.spec.name,
            *([",".join(tag_names(s.spec.tags))] if tagged else []),
            format_uptime(s.uptime_24h),
            format_uptime(s.uptime_30d),
            ms(s.last_response_ms),
            ago(s.last_checked_at, now),
            s.spec.url,
        ]
        for s in summaries
    ]
    headers = ["ID", "STATUS", "NAME", *(["TAGS"] if tagged else []), "UP 24H", "UP 30D"]
    headers += ["RESPONSE", "CHECKED", "URL"]
    out(table(headers, rows))
    return 0


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    """Check monitors now; exit 1 if any is down."""
    service = MonitorService(ctx.db)
    if args.all:
        specs = [s.spec for s in service.summaries() if s.spec.is_active]
    elif args.monitor:
        specs = [service.get(args.monitor)]
    else:
        raise InvalidInput("name a monitor to check, or use --all")
    if not specs:
        out("No active monitors to check.")
        return 0
    results = asyncio.run(check_now(ctx.db, specs))
    rows = []
    any_down = False
    for spec, result in zip(specs, results, strict=True):
        any_down |= result.status.value == "down"
        detail = result.error or (f"HTTP {result.status_code}" if result.status_code else "")
        rows.append([status_label(result.status), spec.name, ms(result.response_time_ms), detail])
    out(table(["STATUS", "NAME", "RESPONSE", "DETAIL"], rows))
    return 1 if any_down else 0


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    """Print the uptime report of every monitor over a period."""
    span: timedelta = args.since
    report = MonitorService(ctx.db).report(span)
    out(render_text(report, title=f"Upwatch report, last {period_label(span)}").rstrip("\n"))
    return 0


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    """Show a monitor's recent checks and incidents."""
    spec, checks, incidents = MonitorService(ctx.db).history(args.monitor, limit=args.limit)
    out(f"{spec.name} — {spec.method} {spec.url} every {spec.interval} s")
    if not checks:
        out("No checks yet.")
    else:
        rows = [
            [
                c.checked_at.strftime("%Y-%m-%d %H:%M:%S"),
                _origin(c),
                status_label(c.status),
                str(c.status_code or "—"),
                ms(c.response_time_ms),
                c.error or "",
            ]
            for c in checks
        ]
        headers = ["CHECKED (UTC)", "CHECKED FROM", "STATUS", "CODE", "RESPONSE", "ERROR"]
        out(table(headers, rows))
    if incidents:
        out("")
        out("Incidents:")
        for incident in incidents:
            end = incident.ended_at.strftime("%H:%M:%S") if incident.ended_at else "ongoing"
            start = incident.started_at.strftime("%Y-%m-%d %H:%M:%S")
            out(f"  {start} → {end}  {incident.first_error or ''}")
    return 0


def _origin(check: CheckResult) -> str:
    """Who checked it: "this computer", "cloud" or the account's other device's name."""
    return check.origin if isinstance(check, StoredCheck) else THIS_COMPUTER


def cmd_edit(ctx: Context, args: argparse.Namespace) -> int:
    """Change a monitor's settings."""
    fields = monitor_fields(args)
    cloud: bool | None = getattr(args, "cloud", None)
    if not fields and cloud is None:
        raise InvalidInput("nothing to change: give at least one option (see upwatch edit -h)")
    service = MonitorService(ctx.db)
    spec = service.edit(args.monitor, fields) if fields else service.get(args.monitor)
    if cloud is not None:
        spec = service.set_cloud(str(spec.id), cloud)
        signed_in = SyncStore(ctx.db).get("email") is not None
        if not cloud:
            out(f"{spec.name} will be checked from this computer only, from the next sync")
        elif signed_in:
            out(
                f"{spec.name} will be checked from Upwatch Cloud too, from the next sync"
                " (`upwatch sync`; paid plans)"
            )
        else:
            out(
                f"{spec.name} will be checked from Upwatch Cloud too once you sign in on a paid"
                " plan (`upwatch login`, then `upwatch upgrade PLAN`)"
            )
    if fields:
        out(f"Updated {spec.name} ({str(spec.id)[:8]})")
    return 0


def cmd_pause(ctx: Context, args: argparse.Namespace) -> int:
    """Pause a monitor."""
    spec = MonitorService(ctx.db).set_active(args.monitor, False)
    out(f"Paused {spec.name}")
    return 0


def cmd_resume(ctx: Context, args: argparse.Namespace) -> int:
    """Resume a paused monitor."""
    spec = MonitorService(ctx.db).set_active(args.monitor, True)
    out(f"Resumed {spec.name}")
    return 0


def cmd_rm(ctx: Context, args: argparse.Namespace) -> int:
    """Delete a monitor and its history."""
    spec = MonitorService(ctx.db).remove(args.monitor)
    out(f"Removed {spec.name} and its history")
    return 0
