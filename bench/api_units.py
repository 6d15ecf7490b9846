"""CPU per unit of work of the hosted API's hot endpoints, in process, without HTTP.

bench/api.py measures whole requests under load, where the machine's swings (±25%) hide
changes of a few percent. This runs only what an endpoint's worker-thread trip runs
(`deps.as_caller`: the session check, the work, the commit) in a loop against a private
PostgreSQL and reports the minimum and the median of several batches of CPU time per unit:
the minimum is the steadiest figure on a noisy machine. Compare code versions in
alternating runs (`PYTHONPATH=<a clone> .venv/bin/python bench/api_units.py`).

    .venv/bin/python bench/api_units.py                   # ~30 s
    .venv/bin/python bench/api_units.py --batches 21 --size 300
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import common  # bench/common.py: puts the repo on sys.path
from fastapi import FastAPI
from sqlmodel import Session, text

from sync_server.app import create_app
from sync_server.auth.caller import Caller
from sync_server.auth.tables import AuthSession, User
from sync_server.auth.tokens import AccessClaims, make_access_token
from sync_server.config import ServerSettings
from sync_server.db import make_engine, open_session
from sync_server.deps import as_caller
from sync_server.monitors.repository import MonitorRepository
from sync_server.monitors.schemas import MonitorIn
from sync_server.monitors.service import MonitorService
from sync_server.ops.logs import configure_logging
from tests.support.postgres import PostgresServer

Work = Callable[[Session, Caller], Any]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--batches", type=int, default=11, help="batches per unit (odd)")
    parser.add_argument("--size", type=int, default=150, help="units per batch")
    parser.add_argument("--monitors", type=int, default=100, help="monitors the lister owns")
    parser.add_argument("--checks", type=int, default=1000, help="checks of the paged monitor")
    return parser.parse_args(argv)


def add_account(engine: Any, plan: str) -> AccessClaims:
    """An account with one live session; return its token's claims."""
    session = open_session(engine)
    user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="-", plan=plan)
    session.add(user)
    session.flush()
    auth_session = AuthSession(user_id=user.id)
    session.add(auth_session)
    session.commit()
    session.close()
    return AccessClaims(user.id, auth_session.id)


def fill(engine: Any, claims: AccessClaims, monitors: int, checks: int) -> uuid.UUID:
    """Give the account monitors, and checks to its first; return that monitor's id."""
    first = None
    session = open_session(engine)
    service = MonitorService(MonitorRepository(session))
    caller = Caller(claims.user_id, "business")
    for i in range(monitors):
        created = service.create(caller, MonitorIn(name=f"m{i}", url=f"https://e.com/{i}"))
        first = first or created.id
    assert first is not None
    session.execute(
        text(
            "INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms,"
            " checked_at, source) SELECT gen_random_uuid(), :m, 'up', 200, 80,"
            " now() - make_interval(mins => n), 'cloud' FROM generate_series(1, :n) AS n"
        ),
        {"m": first, "n": checks},
    )
    session.commit()
    session.close()
    return first


def cpu_per_unit(run: Callable[[], object], batches: int, size: int) -> tuple[float, float]:
    """Return (min, median) CPU ms per call over batches of size calls, after a warm-up."""
    for _ in range(size // 5 + 1):
        run()
    figures = []
    for _ in range(batches):
        started = time.process_time()
        for _ in range(size):
            run()
        figures.append((time.process_time() - started) / size * 1000)
    return min(figures), statistics.median(figures)


async def through_app(
    app: FastAPI,
    settings: ServerSettings,
    lister: AccessClaims,
    first: uuid.UUID,
    creator: Callable[[], AccessClaims],
    options: argparse.Namespace,
) -> None:
    """Print CPU per request for each hot endpoint called as ASGI (lifespan included)."""

    def bearer(claims: AccessClaims) -> bytes:
        now = datetime.now(UTC)
        token = make_access_token(
            claims, keys=settings.jwt_keys, issuer=settings.jwt_issuer, now=now,
            ttl=timedelta(hours=1),
        )  # fmt: skip
        return f"Bearer {token}".encode()

    tokens: dict[uuid.UUID, bytes] = {}
    numbers = itertools.count()

    async def call(method: str, path: str, claims: AccessClaims, body: bytes = b"") -> None:
        auth = tokens.get(claims.session_id) or tokens.setdefault(claims.session_id, bearer(claims))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", auth),
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
        }  # fmt: skip
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the client stays connected
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        if status >= 300:
            raise SystemExit(f"{method} {path} answered {status}")

    def create() -> Awaitable[None]:
        n = next(numbers)
        body = json.dumps({"name": f"a{n}", "url": f"https://example.com/a{n}"}).encode()
        return call("POST", "/api/monitors", creator(), body)

    requests: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("GET /api/monitors", lambda: call("GET", "/api/monitors", lister)),
        ("GET /api/monitors/{id}/checks",
         lambda: call("GET", f"/api/monitors/{first}/checks", lister)),
        ("POST /api/monitors", create),
    ]  # fmt: skip
    async with app.router.lifespan_context(app):
        for name, request in requests:
            for _ in range(options.size // 5 + 1):
                await request()
            figures = []
            for _ in range(options.batches):
                started = time.process_time()
                for _ in range(options.size):
                    await request()
                figures.append((time.process_time() - started) / options.size * 1000)
            print(f"{name:34} {min(figures):8.3f} {statistics.median(figures):10.3f}")


def main(argv: list[str]) -> int:
    options = parse(argv)
    server = PostgresServer().start()
    try:
        url = common.create_database(server)
        engine = make_engine(url)
        settings = ServerSettings(
            database_url=url,
            jwt_secret=common.JWT_SECRET,
            data_keys=[common.DATA_KEY],
            rate_limit_ip=common.RATE_LIMIT_IP,
            rate_limit_user=common.RATE_LIMIT_USER,
        )
        lister = add_account(engine, "business")
        first = fill(engine, lister, options.monitors, options.checks)
        numbers, creates = itertools.count(), itertools.count()
        creators: list[AccessClaims] = []

        def creator() -> AccessClaims:
            """The account a create goes to: a new one every 2000, within the plan's limit."""
            if next(creates) % 2000 == 0:
                creators.append(add_account(engine, "business"))
            return creators[-1]

        def create(session: Session, caller: Caller) -> str:
            n = next(numbers)
            body = MonitorIn(name=f"c{n}", url=f"https://example.com/{n}")
            return MonitorService(MonitorRepository(session)).create(caller, body).model_dump_json()

        def listed(session: Session, caller: Caller) -> str:
            return MonitorService(MonitorRepository(session)).list_json(caller)

        def page(session: Session, caller: Caller) -> str:
            service = MonitorService(MonitorRepository(session))
            return service.checks_json(caller, first, limit=100, before=None, since=None)

        def nothing(session: Session, caller: Caller) -> None:
            return None

        units: list[tuple[str, Callable[[], AccessClaims], Work]] = [
            ("session check + commit only", lambda: lister, nothing),
            ("GET /api/monitors", lambda: lister, listed),
            ("GET /api/monitors/{id}/checks", lambda: lister, page),
            ("POST /api/monitors", creator, create),
        ]
        revision = common.code_revision("sync_server")
        print(f"Upwatch API units: in process, no HTTP; code {revision}; "
              f"{options.batches} batches of {options.size}; lister has {options.monitors} "
              f"monitors, {options.checks} checks on the paged one")  # fmt: skip
        print(f"{'unit':34} {'min ms':>8} {'median ms':>10}")
        for name, account, work in units:

            def run(account: Callable[[], AccessClaims] = account, work: Work = work) -> object:
                return as_caller(engine, engine, settings, account(), work)

            low, middle = cpu_per_unit(run, options.batches, options.size)
            print(f"{name:34} {low:8.3f} {middle:10.3f}")
        print()
        print("The same through the whole app (middleware, routing, validation, the thread trip,")
        print("the JSON answer), called as ASGI on this process's event loop, no network:")
        print(f"{'request':34} {'min ms':>8} {'median ms':>10}")
        app = create_app(settings)
        configure_logging("json")  # as the server logs: a JSON line per request, to /dev/null
        with open(os.devnull, "w") as devnull:
            logging.getLogger().handlers[0].setStream(devnull)  # type: ignore[attr-defined]
            asyncio.run(through_app(app, settings, lister, first, creator, options))
        print("CPU of this process only (PostgreSQL's is not counted)")
        engine.dispose()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
