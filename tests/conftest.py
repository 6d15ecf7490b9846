"""Shared fixtures: real local servers, an in-memory keyring and the offline-network guard."""

import os

# Before anything can import Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The hosted side's channel-sealing key, set as a deployment sets it (ServerSettings and every
# server or worker process the tests start read it from here).
os.environ.setdefault("UPWATCH_DATA_KEYS", "dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5LWFiY2RlZmc=")

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import keyring.core
import pytest

from tests.support.memkeyring import MemoryKeyring
from tests.support.netguard import NetworkGuard
from tests.support.postgres import PostgresServer
from tests.support.smtp import SmtpSink
from tests.support.target import TargetServer, TlsTargetServer
from tests.support.webhook import WebhookReceiver

if TYPE_CHECKING:
    from tests.support.api_server import ApiServer

_switch_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def target() -> Iterator[TargetServer]:
    """The monitored site: one real HTTP server for the whole session (use `switch_name`)."""
    with TargetServer() as server:
        yield server


@pytest.fixture
def switch_name(target: TargetServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A ``/switch/{name}`` nobody else uses; it is put back to 200 ``ok`` afterwards."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    name = f"{slug}-{next(_switch_numbers)}"
    yield name
    target.clear_switch(name)


@pytest.fixture(scope="session")
def tls_target() -> Iterator[TlsTargetServer]:
    """The monitored site over HTTPS with a valid self-signed certificate (trust `cert_path`)."""
    with TlsTargetServer() as server:
        yield server


@pytest.fixture(scope="session")
def expired_tls_target() -> Iterator[TlsTargetServer]:
    """The monitored site over HTTPS with a self-signed certificate that expired yesterday."""
    with TlsTargetServer(expired=True) as server:
        yield server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL for the run, with upwatch_test made by the real migrations."""
    from sqlalchemy import create_engine, text

    from sync_server.migrations.runner import upgrade

    server = PostgresServer().start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE upwatch_test"))
    admin.dispose()
    upgrade(server.url("upwatch_test"))
    yield server
    server.stop()


@pytest.fixture
def api(postgres: PostgresServer) -> Iterator["ApiServer"]:
    """The hosted API served for real on an empty database, with fresh rate-limit counters."""
    from tests.support.api_server import ApiServer

    server = ApiServer(postgres.url("upwatch_test"))
    server.empty()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server for this test only; accepts any AUTH login."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A real webhook receiver for this test only (``webhook.apprise_url()`` for Apprise)."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install a fresh in-memory keyring for every test; restore the previous backend after."""
    # Read the private global rather than keyring.get_keyring(): that call would run backend
    # discovery (D-Bus probing on Linux) just to learn what to put back.
    previous = keyring.core._keyring_backend
    fresh = MemoryKeyring()
    keyring.set_keyring(fresh)
    try:
        yield fresh
    finally:
        keyring.core._keyring_backend = previous


@pytest.fixture
def upwatch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Upwatch home directory, exported as $UPWATCH_HOME for this test."""
    home = tmp_path / "upwatch-home"
    home.mkdir()
    monkeypatch.setenv("UPWATCH_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def no_external_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Refuse connections outside loopback/AF_UNIX, and fail the test if one was tried."""
    guard = NetworkGuard()
    guard.install(monkeypatch)
    yield guard
    blocked = guard.pop_blocked()
    if blocked:
        pytest.fail(f"test tried to reach the network outside loopback: {blocked!r}", pytrace=False)
