"""`upwatch server [--dev] [--host --port]`, `upwatch server migrate` and
`upwatch server new-key`."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs
from pydantic import ValidationError

from sync_server.config import ServerSettings
from sync_server.errors import UpwatchError


def settings_or_error(dev: bool) -> ServerSettings:
    try:
        return ServerSettings(dev=dev) if dev else ServerSettings()
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise UpwatchError(f"the server cannot start: {reasons}") from None


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
    parser.add_argument("--dev", action="store_true", help="private PostgreSQL, dev secret")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(list(argv))
    if args.action == "new-key":
        from cryptography.fernet import Fernet

        sys.stdout.write(f"{Fernet.generate_key().decode()}\n")
        return 0
    dev_db = None
    try:
        if args.dev and not {"UPWATCH_DATABASE_URL", "DATABASE_URL"} & set(os.environ):
            from sync_server.devdb import DevDatabase, dev_directory

            home = os.environ.get("UPWATCH_HOME") or platformdirs.user_data_dir("upwatch")
            dev_db = DevDatabase(dev_directory(Path(home) / "server-dev"))
            os.environ["UPWATCH_DATABASE_URL"] = dev_db.start()
            sys.stdout.write(f"Private PostgreSQL started ({dev_db.data}).\n")
        settings = settings_or_error(args.dev)
        if "UPWATCH_PUBLIC_URL" not in os.environ:
            # links the server makes (status pages, Stripe's way back) and the origin cookie
            # writes must come from: where it listens, until UPWATCH_PUBLIC_URL says otherwise
            host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
            host = f"[{host}]" if ":" in host else host
            settings = settings.model_copy(update={"public_url": f"http://{host}:{args.port}"})
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

        dev_text = args.dev and "UPWATCH_LOG_FORMAT" not in os.environ
        configure_logging("text" if dev_text else settings.log_format)

        sys.stdout.write(f"Upwatch API on http://{args.host}:{args.port} (docs at /docs)\n")
        sys.stdout.flush()
        # uvicorn re-raises SIGTERM/SIGINT after its shutdown, so a finally block would not
        # run: the private database is stopped from the app's own shutdown instead.
        stop_db = dev_db.stop if dev_db is not None else None
        dev_db = None
        app = create_app(settings, on_shutdown=stop_db)
        # the app's long-lived objects (routes, models, compiled queries) out of the collector's
        # way: a full collection walking them all stalled requests (tail latency, bench/api.py)
        gc.collect()
        gc.freeze()
        # proxy_headers off: the client address behind proxies is ours to decide (E4)
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=False, log_config=None)
        return 0
    except UpwatchError as exc:
        sys.stderr.write(f"upwatch server: error: {exc.message}\n")
        return 2
    finally:
        if dev_db is not None:
            try:
                dev_db.stop()
            except UpwatchError as exc:
                sys.stderr.write(f"upwatch server: {exc.message}\n")
