"""`upwatch worker`: run cloud checks (and, later, alert senders) until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from shared.netguard import NetGuard
from sync_server.cli import settings_or_error
from sync_server.errors import UpwatchError
from sync_server.ops.logs import configure_logging
from sync_server.worker.runner import CloudWorker, WorkerOptions, libpq_url


async def _work(worker: CloudWorker) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await worker.run(stop)


def main(argv: Sequence[str]) -> int:
    """Run one worker; return the exit code."""
    parser = argparse.ArgumentParser(prog="upwatch worker", allow_abbrev=False)
    parser.add_argument("--name", help="this worker's name (default host:pid:random)")
    parser.add_argument("--concurrency", type=int, default=200, help="checks in flight")
    parser.add_argument("--batch", type=int, default=500, help="monitors held at once")
    parser.add_argument("--lease-margin", type=float, default=30.0, help="seconds")
    args = parser.parse_args(list(argv))
    if args.concurrency < 1 or args.batch < 1 or args.lease_margin < 1:
        parser.error("--concurrency, --batch and --lease-margin must be positive")
    try:
        settings = settings_or_error(dev=False)
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch worker: error: {exc.message}\n")
        return 2
    configure_logging(settings.log_format)
    options = WorkerOptions(
        concurrency=args.concurrency, batch=args.batch, margin_s=args.lease_margin
    )
    worker = CloudWorker(
        libpq_url(settings.database_url),
        guard=NetGuard(settings.outbound_allow),
        options=options,
        name=args.name,
    )
    asyncio.run(_work(worker))
    sys.stdout.write(f"Worker {worker.name} stopped: {worker.stats.stored} checks stored.\n")
    return 0
