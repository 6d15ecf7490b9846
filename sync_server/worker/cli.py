"""`upwatch worker [--dev]`: run cloud checks and alert senders until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import URL, make_url

from shared.loop import fast_loop_factory
from shared.netguard import NetGuard
from sync_server.alerts.deliver import Deliverer, MailSettings
from sync_server.alerts.sender import AlertSender
from sync_server.cli import (
    leave_dev_database,
    settings_or_error,
    start_dev_database,
    wants_dev_database,
)
from sync_server.config import ServerSettings
from sync_server.db import libpq_url
from sync_server.errors import UpwatchError
from sync_server.ops.logs import configure_logging
from sync_server.worker.housekeeping import Housekeeper
from sync_server.worker.runner import CloudWorker, WorkerOptions, worker_name

if TYPE_CHECKING:
    from sync_server.devdb import DevDatabase

DESCRIPTION = """\
Run the hosted service's cloud checks and alert deliveries from its PostgreSQL. Start as
many workers as you like, on any machines: the database shares the work. Settings come
from the environment like the server's (UPWATCH_DATABASE_URL, UPWATCH_JWT_SECRET,
UPWATCH_DATA_KEYS, SMTP_URL, ...). With --dev it uses the private PostgreSQL and the dev
secrets of `upwatch server --dev` in the same UPWATCH_HOME, starting that database if it
is not running."""
ROLES = {"all": "cloud checks and alerts", "checks": "cloud checks", "alerts": "alerts"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upwatch worker", description=DESCRIPTION, allow_abbrev=False
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="use the database and dev secrets of `upwatch server --dev`",
    )
    parser.add_argument("--name", help="this worker's name (default host:pid:random)")
    parser.add_argument(
        "--role",
        choices=tuple(ROLES),
        default="all",
        help="run cloud checks, alert deliveries or both (default all)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=200,
        metavar="N",
        help="checks in flight at once (default 200)",
    )
    parser.add_argument(
        "--per-host",
        type=int,
        default=10,
        metavar="N",
        help="checks in flight to one host at once, across accounts (default 10)",
    )
    parser.add_argument(
        "--batch", type=int, default=2000, metavar="N", help="monitors held at once (default 2000)"
    )
    parser.add_argument(
        "--lease-margin",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a monitor's lease outlives its check's timeout, so another worker"
        " takes it over if this one dies (default 30)",
    )
    return parser


def shown_url(database_url: str) -> str:
    """The database URL as psycopg takes it, without a password, for the terminal."""
    url = make_url(database_url)
    shown = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return shown.render_as_string()


def start_line(name: str, role: str, database_url: str) -> str:
    """What the worker prints as it starts: who, what, from where, and how to stop it."""
    return f"Upwatch worker {name}: {ROLES[role]} from {shown_url(database_url)} (Ctrl-C stops it)"


async def _work(
    worker: CloudWorker | None,
    sender: AlertSender | None,
    keeper: Housekeeper | None,
    announce: str,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # said once a signal stops the worker cleanly (leases freed, the private database left)
    sys.stdout.write(f"{announce}\n")
    sys.stdout.flush()
    parts = [part.run(stop) for part in (worker, sender, keeper) if part is not None]
    await asyncio.gather(*parts)


def _run(settings: ServerSettings, args: argparse.Namespace) -> None:
    options = WorkerOptions(
        concurrency=args.concurrency,
        per_host=args.per_host,
        batch=args.batch,
        margin_s=args.lease_margin,
    )
    conninfo = libpq_url(settings.database_url)
    guard = NetGuard(settings.outbound_allow)
    name = args.name or worker_name()
    worker = sender = keeper = None
    if args.role in ("all", "checks"):
        worker = CloudWorker(conninfo, guard=guard, options=options, name=name)
    if args.role in ("all", "alerts"):
        mail = MailSettings(settings.smtp_url, settings.smtp_from) if settings.smtp_url else None
        sender = AlertSender(conninfo, Deliverer(guard, mail), settings.config_sealer, name=name)
        keeper = Housekeeper(conninfo, Deliverer(guard, mail))
    announce = start_line(name, args.role, settings.database_url)
    with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
        runner.run(_work(worker, sender, keeper, announce))
    stored = worker.stats.stored if worker else 0
    sent = sender.sent if sender else 0
    sys.stdout.write(
        f"Upwatch worker {name} stopped: {stored} checks stored, {sent} alerts sent.\n"
    )


def _start(dev: bool) -> tuple[ServerSettings, DevDatabase | None]:
    """The settings, and the private database with --dev; raise UpwatchError naming the
    worker."""
    dev_db = None
    if wants_dev_database(dev):
        try:
            dev_db = start_dev_database()
        except UpwatchError as exc:
            raise UpwatchError(f"the worker cannot start: {exc.message}") from None
    try:
        url = dev_db.url if dev_db else None
        return settings_or_error(dev, who="worker", database_url=url), dev_db
    except UpwatchError:
        if dev_db is not None:
            leave_dev_database(dev_db, "worker")
        raise


def main(argv: Sequence[str]) -> int:
    """Run one worker; return the exit code."""
    parser = _parser()
    args = parser.parse_args(list(argv))
    if min(args.concurrency, args.per_host, args.batch, args.lease_margin) < 1:
        parser.error("--concurrency, --per-host, --batch and --lease-margin must be positive")
    try:
        settings, dev_db = _start(args.dev)
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch worker: error: {exc.message}\n")
        return 2
    try:
        dev_text = args.dev and "UPWATCH_LOG_FORMAT" not in os.environ
        configure_logging("text" if dev_text else settings.log_format)
        _run(settings, args)
    finally:
        if dev_db is not None:
            leave_dev_database(dev_db, "worker")
    return 0
