"""`upwatch --self-test`'s steps: each runs a real code path and says what it saw, or raises.

Meant for a fresh install or an app bundle: it proves the database opens and migrates, a
check runs through the shared engine and is stored, Apprise delivers a notification, and the
keyring keeps a secret (or says this machine has none). Everything happens in the data
directory the caller chose (a temporary UPWATCH_HOME) and on 127.0.0.1; only the keyring
test touches the user's real keyring, with one throwaway entry it deletes again.
"""

from __future__ import annotations

import asyncio
import importlib
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass

import keyring

from desktop.config import database_path
from desktop.errors import SecretStoreUnavailable
from desktop.notify.errors import NotifyError
from desktop.notify.sender import AppriseSender
from desktop.secrets.store import SecretStore, backend_name
from desktop.services.checks import check_now
from desktop.services.loopback import LoopbackServer
from desktop.services.monitors import MonitorService
from desktop.services.validation import make_spec
from desktop.storage.database import Database
from desktop.storage.migrations import LATEST
from shared.status import Status


class SelfTestError(Exception):
    """A step failed; the message says what was expected and what happened instead."""


@dataclass(frozen=True, slots=True)
class Step:
    """One named step: `run()` returns what it saw or raises SelfTestError."""

    name: str
    run: Callable[[], str]


@dataclass(frozen=True, slots=True)
class NativeKeyring:
    """The keyring backend a platform always has (when its service runs) and what it imports."""

    module: str
    cls: str
    library: str  # the third-party module the backend cannot work without


NATIVE_KEYRINGS = {
    "linux": NativeKeyring("keyring.backends.SecretService", "Keyring", "secretstorage"),
    "darwin": NativeKeyring("keyring.backends.macOS", "Keyring", "keyring.backends.macOS.api"),
    "win32": NativeKeyring("keyring.backends.Windows", "WinVaultKeyring", "win32ctypes.pywin32"),
}


class SelfTest:
    """The steps, in order, sharing the database the first one opens."""

    def __init__(
        self, *, receiver_status: int = 200, native_keyring: NativeKeyring | None = None
    ) -> None:
        # receiver_status: what the local notification receiver answers; anything but 2xx
        # shows how a refused delivery is reported.
        self.receiver_status = receiver_status
        self.native_keyring = native_keyring or NATIVE_KEYRINGS.get(sys.platform)
        self._db: Database | None = None

    def steps(self) -> list[Step]:
        """Return the steps in the order they must run."""
        return [
            Step("database", self.database),
            Step("check", self.check),
            Step("notification", self.notification),
            Step("keyring", self.keyring),
        ]

    def close(self) -> None:
        """Release the database (before its directory is removed)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def database(self) -> str:
        """Open and migrate the database in the data directory; return its schema and path."""
        path = database_path()
        self._db = Database(path)
        version, journal = self._db.schema_state()
        if version != LATEST:
            raise SelfTestError(f"schema v{version} after migrating, expected v{LATEST}")
        found = f"schema v{version}, journal {journal}, at {path}"
        moved = self._db.moved_aside
        return (
            found if moved is None else f"moved a damaged file aside to {moved.moved_to}; {found}"
        )

    def check(self) -> str:
        """Check a local site once through the engine and store it; return what it answered."""
        if self._db is None:
            raise SelfTestError("no database to store the check in")
        return asyncio.run(self._check(self._db))

    async def _check(self, db: Database) -> str:
        async with LoopbackServer() as site:
            monitors = MonitorService(db)
            spec = monitors.add(make_spec({"name": "self-test", "url": site.url("health")}))
            [result] = await check_now(db, [spec])
            if result.status is not Status.UP:
                reason = result.error or f"status {result.status_code}"
                raise SelfTestError(f"{spec.url} was {result.status.value}: {reason}")
            if not site.received:
                raise SelfTestError(f"{spec.url} was never asked")
            stored = monitors.detail(spec.id, checks=1).checks
            if not stored or stored[0].id != result.id:
                raise SelfTestError("the check ran but is not in the history")
            return (
                f"GET {spec.url} answered {result.status_code} in"
                f" {result.response_time_ms} ms, stored in the history"
            )

    def notification(self) -> str:
        """Send one Apprise json:// notification to a local receiver; return where it went."""
        return asyncio.run(self._notification())

    async def _notification(self) -> str:
        async with LoopbackServer(status=self.receiver_status) as receiver:
            url = receiver.url("notify", scheme="json")
            body = f"self-test {secrets.token_hex(4)}"
            try:
                await AppriseSender().send(url, "Upwatch self-test", body)
            except NotifyError as exc:
                raise SelfTestError(f"{url} was not delivered: {exc.message}") from exc
            got = [p for p in receiver.received if isinstance(p, dict) and p.get("message") == body]
            if not got:
                raise SelfTestError(f"Apprise reported success but {url} got no such message")
            return f"Apprise delivered {url} (JSON with the title and message)"

    def keyring(self) -> str:
        """Return the keyring backend in use; raise when it fails or this build lacks one.

        A machine with no keyring service (a headless Linux box) is reported, not failed:
        Upwatch then refuses to store secrets, which is the intended behaviour there.
        """
        active = keyring.get_keyring()
        name = backend_name(active)
        store = SecretStore(active)
        try:
            store.ensure_available()
        except SecretStoreUnavailable:
            pass
        else:
            return f"{name}: {_round_trip(store)}"
        native = self.native_keyring
        if native is None:
            return f"{name}: no keyring backend is known for {sys.platform}"
        try:
            module = importlib.import_module(native.module)
            importlib.import_module(native.library)
        except ImportError as exc:
            missing = f"{name} is in use and this build lacks {native.module}: {exc}"
            raise SelfTestError(missing) from exc
        try:
            getattr(module, native.cls).priority  # noqa: B018 (raises when it cannot work here)
        except Exception as exc:  # each backend raises its own kind of error here
            return f"none usable on this machine ({native.module}: {exc})"
        raise SelfTestError(f"{name} is in use although {native.module} works here")


def _round_trip(store: SecretStore) -> str:
    """Store, read back and delete a throwaway secret; raise SelfTestError when one fails."""
    key, value = f"self-test:{secrets.token_hex(4)}", secrets.token_hex(8)
    try:
        store.set(key, value)
        try:
            found = store.get(key)
        finally:
            store.delete(key)
    except SecretStoreUnavailable as exc:
        raise SelfTestError(exc.message) from exc
    if found != value:
        raise SelfTestError("the keyring gave back another value than the one stored")
    return "stored, read back and deleted a test secret"
