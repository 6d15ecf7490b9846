"""`upwatch run`: the headless runner (servers, CI, a Raspberry Pi)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime

from desktop.cli.context import Context, err, out
from desktop.errors import UpwatchError
from desktop.runtime.events import Alerted, Event
from desktop.runtime.lock import RunnerLock
from desktop.runtime.monitoring import Monitoring
from desktop.services.channels import ChannelService
from desktop.services.cloud import CloudService
from desktop.services.monitors import MonitorService
from desktop.services.settings import SettingsService
from desktop.services.sync_loop import SyncLoop, SyncStatus
from shared.loop import fast_loop_factory


def configure_logging(verbose: bool) -> None:
    """Log to standard error: warnings and up, or everything with --verbose."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apprise", "aiohttp", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    """Run every active monitor until Ctrl-C or SIGTERM, then stop with nothing lost."""
    configure_logging(args.verbose)
    secrets = ctx.secrets  # a wrong UPWATCH_SECRET_STORE stops here, before anything starts
    lock = RunnerLock(ctx.db.path.parent)
    lock.acquire()
    monitors = MonitorService(ctx.db).summaries()
    active = sum(1 for m in monitors if m.spec.is_active)
    out(f"Upwatch is checking {active} monitor(s) headless — no window, Ctrl-C stops it.")
    out(f"Database: {ctx.db.path}")
    if not monitors:
        out("No monitors yet. In another terminal: upwatch add https://example.com")
        out("New monitors are picked up within a second.")
    channels = 0
    try:
        channels = len(ChannelService(ctx.db, secrets).list())
        if channels:
            secrets.ensure_available()
    except UpwatchError as exc:
        err(f"warning: alert channels are off: {exc.message}")
    if not channels:
        out("No alert channels: flips are printed here only (upwatch channel add NAME URL).")
    sys.stdout.flush()
    try:
        with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
            saved, lost = runner.run(_serve(ctx, verbose=args.verbose))
    finally:
        lock.release()
    out(f"Stopped. {saved} results saved this run.")
    if lost:
        err(f"upwatch: error: {lost} check results could not be saved and are lost (see above)")
        return 1
    return 0


def _print_alert(event: Event) -> None:
    if not isinstance(event, Alerted):
        return
    message = event.message
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    detail = message.body.splitlines()[1] if "\n" in message.body else ""
    out(f"[{stamp} UTC] {message.title} — {detail}")
    sys.stdout.flush()


async def _serve(ctx: Context, *, verbose: bool) -> tuple[int, int]:
    """Run until stopped; return (results saved, results given up unsaved)."""
    settings = SettingsService(ctx.db).load()
    monitoring = Monitoring(ctx.db, secrets=ctx.secrets, settings=settings)
    monitoring.subscribe(_print_alert)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    cloud = CloudService(ctx.db, ctx.secrets)
    syncing = SyncLoop(cloud, on_status=_SyncPrinter())
    syncing.follow(monitoring.subscribe)  # `upwatch add` elsewhere: pushed once it is read
    await monitoring.start()
    sync_task = loop.create_task(syncing.run(), name="sync")
    try:
        await stop.wait()
    finally:
        out("Stopping: finishing running checks and saving results…")
        sys.stdout.flush()
        sync_task.cancel()
        await asyncio.gather(sync_task, return_exceptions=True)
        await monitoring.stop()
        await cloud.aclose()
    return monitoring.saved, monitoring.lost


class _SyncPrinter:
    """Prints sync news to the terminal: the first success, errors and recoveries only."""

    def __init__(self) -> None:
        self.last: str | None = ""

    def __call__(self, status: SyncStatus) -> None:
        if not status.signed_in:
            # never signed in: `upwatch run` works alone, nothing to say; a session the
            # server ended is said once, with what to do
            line = f"sync stopped: {status.error}" if status.error else None
        elif status.error:
            line = f"sync: {status.error}"
        else:
            line = "sync: up to date with Upwatch Cloud"
        if line is not None and line != self.last:
            out(f"[{datetime.now(UTC):%H:%M:%S} UTC] {line}")
            sys.stdout.flush()
        self.last = line
