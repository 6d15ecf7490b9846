"""`upwatch server [--dev] [--host --port]`, `upwatch server migrate` and
`upwatch server new-key`."""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sync_server.config import ServerSettings
from sync_server.errors import UpwatchError

if TYPE_CHECKING:
    from sync_server.devdb import DevDatabase

DATABASE_VARIABLES = frozenset({"UPWATCH_DATABASE_URL", "DATABASE_URL"})


def settings_or_error(
    dev: bool, *, who: str = "server", database_url: str | None = None
) -> ServerSettings:
    """The settings from the environment (database_url, when given, wins over it); raise
    UpwatchError saying why the server, or whoever `who` names, cannot start."""
    given: dict[str, Any] = {"dev": True} if dev else {}
    if database_url is not None:
        given["database_url"] = database_url
    try:
        return ServerSettings(**given)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise UpwatchError(f"the {who} cannot start: {reasons}") from None


def wants_dev_database(dev: bool) -> bool:
    """True when --dev should use the private PostgreSQL: no database was named."""
    return dev and not DATABASE_VARIABLES & set(os.environ)


def start_dev_database() -> DevDatabase:
    """Start or join the private PostgreSQL, migrated, and say so; raise UpwatchError."""
    from sync_server.devdb import DevDatabase, dev_home_directory
    from sync_server.migrations.runner import upgrade

    dev_db = DevDatabase(dev_home_directory())
    dev_db.start(prepare=upgrade)  # migrated before another dev process can use it
    sys.stdout.write(f"{dev_db.describe_start()}\n")
    sys.stdout.flush()
    return dev_db


def leave_dev_database(dev_db: DevDatabase, who: str) -> None:
    """Stop using the private PostgreSQL (stopping it if no one else uses it) and say so."""
    try:
        stopped = dev_db.stop()
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch {who}: {exc.message}\n")
        return
    sys.stdout.write(f"{dev_db.describe_stop(stopped)}\n")
    sys.stdout.flush()


def reseal(settings: ServerSettings) -> int:
    """Seal the alert channels' configs with the first data key; return how many changed."""
    from sync_server.channels.sealing import reseal_channels
    from sync_server.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        return reseal_channels(engine, settings.config_sealer)
    finally:
        engine.dispose()


def main(argv: Sequence[str]) -> int:
    """Run the hosted API or its migrations; return the exit code."""
    parser = argparse.ArgumentParser(prog="upwatch server", allow_abbrev=False)
    parser.add_argument(
        "action",
        nargs="?",
        choices=("serve", "migrate", "new-key"),
        default="serve",
        help="serve (the default): run the API; migrate: bring the database up to date and"
        " reseal alert channel configs with the first data key; new-key: print a new key"
        " for UPWATCH_DATA_KEYS",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="dev secrets and a private PostgreSQL in the data folder (shared with"
        " `upwatch worker --dev`; stopped when the last of them stops)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(list(argv))
    if args.action == "new-key":
        from cryptography.fernet import Fernet

        sys.stdout.write(f"{Fernet.generate_key().decode()}\n")
        return 0
    dev_db: DevDatabase | None = None
    try:
        if wants_dev_database(args.dev):
            dev_db = start_dev_database()
        settings = settings_or_error(args.dev, database_url=dev_db.url if dev_db else None)
        if "UPWATCH_PUBLIC_URL" not in os.environ:
            # links the server makes (status pages, Stripe's way back) and the origin cookie
            # writes must come from: where it listens, until UPWATCH_PUBLIC_URL says otherwise
            host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
            host = f"[{host}]" if ":" in host else host
            settings = settings.model_copy(update={"public_url": f"http://{host}:{args.port}"})
        if dev_db is None:  # the private database was migrated as it started
            from sync_server.migrations.runner import upgrade

            upgrade(settings.database_url)
        resealed = reseal(settings)
        if args.action == "migrate":
            sys.stdout.write("Database is at the latest schema.\n")
            if resealed:
                sys.stdout.write(f"Sealed {resealed} alert channel configs with the first key.\n")
            return 0
        import uvicorn

        from sync_server.app import create_app
        from sync_server.ops.logs import configure_logging
        from sync_server.serving import http_protocol

        dev_text = args.dev and "UPWATCH_LOG_FORMAT" not in os.environ
        configure_logging("text" if dev_text else settings.log_format)

        sys.stdout.write(f"Upwatch API on http://{args.host}:{args.port} (docs at /docs)\n")
        sys.stdout.flush()
        # uvicorn re-raises SIGTERM/SIGINT after its shutdown, so a finally block would not
        # run: the private database is left from the app's own shutdown instead.
        leave = functools.partial(leave_dev_database, dev_db, "server") if dev_db else None
        dev_db = None
        app = create_app(settings, on_shutdown=leave)
        # the app's long-lived objects (routes, models, compiled queries) out of the collector's
        # way: a full collection walking them all stalled requests (tail latency, bench/api.py)
        gc.collect()
        gc.freeze()
        # proxy_headers off: the client address behind proxies is ours to decide
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            proxy_headers=False,
            log_config=None,
            http=http_protocol(app),
        )
        return 0
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch server: error: {exc.message}\n")
        return 2
    finally:
        if dev_db is not None:
            leave_dev_database(dev_db, "server")
