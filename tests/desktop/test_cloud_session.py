"""CloudSession: signed out, signed in, or ended by the server, and which client it hands out.

The server is an httpx.MockTransport that answers the few auth calls a session makes; the
keyring is in memory, the database a real SQLite file. Two sessions over the same files are
two processes of one computer (the tray app and a terminal).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from desktop.errors import CloudUnreachable, NotSignedIn, SessionEnded
from desktop.secrets.store import SecretStore
from desktop.services.billing import Billing
from desktop.services.cloud_session import REFRESH_KEY, CloudSession, SessionState
from desktop.storage.database import Database
from tests.support.memkeyring import MemoryKeyring

SERVER = "https://cloud.test"
ALICE = "alice@example.com"
PASSWORD = "correct horse battery"


class FakeAuth:
    """The server's auth endpoints: tokens on login and refresh, until told to refuse."""

    def __init__(self) -> None:
        self.refuse_refresh = False
        self.me_answer: object = {"id": "7", "email": ALICE, "plan": "free"}
        self.rotations = 0
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in ("/api/auth/login", "/api/auth/refresh"):
            if path.endswith("refresh") and self.refuse_refresh:
                return httpx.Response(401, json={"error": {"message": "session revoked"}})
            self.rotations += 1
            return httpx.Response(200, json=self._tokens())
        if path == "/api/auth/me":
            return httpx.Response(200, content=json.dumps(self.me_answer))
        if path == "/api/auth/logout":
            return httpx.Response(204)
        return httpx.Response(404, json={"error": {"message": f"no {path}"}})

    def _tokens(self) -> dict[str, object]:
        n = self.rotations
        return {"access_token": f"access-{n}", "refresh_token": f"refresh-{n}", "expires_in": 900}


@pytest.fixture
def server() -> FakeAuth:
    return FakeAuth()


@pytest.fixture
def keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
async def session(
    db: Database, keyring: MemoryKeyring, server: FakeAuth
) -> AsyncIterator[CloudSession]:
    opened = CloudSession(db, SecretStore(keyring), transport=server.transport)
    yield opened
    await opened.aclose()


async def test_a_new_session_is_signed_out_and_hands_out_no_client(session: CloudSession) -> None:
    assert session.state is SessionState.SIGNED_OUT
    assert await session.client_or_none() is None
    assert await session.socket_token() is None
    with pytest.raises(NotSignedIn, match="run `upwatch login`"):
        await session.client()


async def test_billing_while_signed_out_raises_not_signed_in(session: CloudSession) -> None:
    with pytest.raises(NotSignedIn):
        await Billing(session).whoami()


async def test_signing_in_keeps_the_refresh_token_in_the_keyring(
    session: CloudSession, keyring: MemoryKeyring
) -> None:
    plan = await session.sign_in(ALICE, PASSWORD, SERVER)
    assert plan == "free"
    assert session.state is SessionState.SIGNED_IN
    assert keyring.get_password("upwatch", REFRESH_KEY) == "refresh-1"
    assert session.store.get("email") == ALICE
    assert (await session.client()).server == SERVER


async def test_signing_out_forgets_the_session_here(
    session: CloudSession, keyring: MemoryKeyring
) -> None:
    await session.sign_in(ALICE, PASSWORD, SERVER)
    await session.sign_out()
    assert session.state is SessionState.SIGNED_OUT
    assert keyring.get_password("upwatch", REFRESH_KEY) is None
    assert session.store.get("email") is None
    assert await session.client_or_none() is None


async def test_another_process_finds_the_session_signed_in_here(
    session: CloudSession, db: Database, keyring: MemoryKeyring, server: FakeAuth
) -> None:
    await session.sign_in(ALICE, PASSWORD, SERVER)
    terminal = CloudSession(db, SecretStore(keyring), transport=server.transport)
    try:
        assert terminal.state is SessionState.SIGNED_OUT  # nothing asked yet
        client = await terminal.client()
        assert terminal.state is SessionState.SIGNED_IN
        assert await terminal.client() is client  # one client per session
        assert await terminal.socket_token() == "access-2"  # a refresh, kept in the keyring
        assert keyring.get_password("upwatch", REFRESH_KEY) == "refresh-2"
    finally:
        await terminal.aclose()


async def test_a_refresh_the_server_refuses_ends_the_session(
    session: CloudSession, db: Database, keyring: MemoryKeyring, server: FakeAuth
) -> None:
    await session.sign_in(ALICE, PASSWORD, SERVER)
    restarted = CloudSession(db, SecretStore(keyring), transport=server.transport)
    server.refuse_refresh = True
    try:
        client = await restarted.client()
        with pytest.raises(SessionEnded, match="sign in again"):
            await client.me()
        assert restarted.state is SessionState.SESSION_ENDED
        assert await restarted.client_or_none() is None
        assert restarted.state is SessionState.SESSION_ENDED  # still why, until a sign-in
        assert keyring.get_password("upwatch", REFRESH_KEY) is None
        assert restarted.store.get("email") is None
    finally:
        await restarted.aclose()


async def test_an_account_answer_that_is_not_an_object_is_unreadable(
    session: CloudSession, server: FakeAuth
) -> None:
    server.me_answer = ["not", "an", "account"]
    with pytest.raises(CloudUnreachable, match="cannot read"):
        await session.sign_in(ALICE, PASSWORD, SERVER)
