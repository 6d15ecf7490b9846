"""`upwatch worker`: run cloud checks and alert senders until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from shared.loop import fast_loop_factory
from shared.netguard import NetGuard
from sync_server.alerts.deliver import Deliverer, MailSettings
from sync_server.alerts.sender import AlertSender
from sync_server.cli import settings_or_error
from sync_server.db import libpq_url
from sync_server.errors import UpwatchError
from sync_server.ops.logs import configure_logging
from sync_server.worker.housekeeping import Housekeeper
from sync_server.worker.runner import CloudWorker, WorkerOptions, worker_name


async def _work(
    worker: CloudWorker | None, sender: AlertSender | None, keeper: Housekeeper | None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parts = [part.run(stop) for part in (worker, sender, keeper) if part is not None]
    await asyncio.gather(*parts)


def main(argv: Sequence[str]) -> int:
    """Run one worker; return the exit code."""
    parser = argparse.ArgumentParser(prog="upwatch worker", allow_abbrev=False)
    parser.add_argument("--name", help="this worker's name (default host:pid:random)")
    parser.add_argument("--concurrency", type=int, default=200, help="checks in flight")
    parser.add_argument(
        "--per-host", type=int, default=10, help="checks in flight to one host at once"
    )
    parser.add_argument("--batch", type=int, default=2000, help="monitors held at once")
    parser.add_argument("--lease-margin", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "--role", choices=("all", "checks", "alerts"), default="all", help="what to run"
    )
    args = parser.parse_args(list(argv))
    if min(args.concurrency, args.per_host, args.batch, args.lease_margin) < 1:
        parser.error("--concurrency, --per-host, --batch and --lease-margin must be positive")
    try:
        settings = settings_or_error(dev=False)
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch worker: error: {exc.message}\n")
        return 2
    configure_logging(settings.log_format)
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
    with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
        runner.run(_work(worker, sender, keeper))
    stored = worker.stats.stored if worker else 0
    sent = sender.sent if sender else 0
    sys.stdout.write(f"Worker {name} stopped: {stored} checks stored, {sent} alerts sent.\n")
    return 0
