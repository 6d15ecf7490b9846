"""Test-only keyring backends: `MemoryKeyring` (in-process) and `FileKeyring` (JSON file).

`FileKeyring` lets a subprocess share secrets with the test that started it::

    env = {**os.environ,
           "PYTHON_KEYRING_BACKEND": "tests.support.memkeyring.FileKeyring",
           "UPWATCH_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
           "PYTHONPATH": REPO_ROOT}
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

FILE_ENV_VAR = "UPWATCH_TEST_KEYRING_FILE"

Secrets = dict[str, dict[str, str]]


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (priority 1, always viable); a fresh one per test."""

    priority = 1.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        self._secrets: Secrets = {}

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored password, or None."""
        with self._lock:
            return self._secrets.get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store `password` for (`service`, `username`)."""
        with self._lock:
            self._secrets.setdefault(service, {})[username] = password

    def delete_password(self, service: str, username: str) -> None:
        """Delete the entry; raise PasswordDeleteError when there is none."""
        with self._lock:
            entries = self._secrets.get(service, {})
            if username not in entries:
                raise PasswordDeleteError(f"no password for {username!r} in {service!r}")
            del entries[username]
            if not entries:
                del self._secrets[service]

    def snapshot(self) -> Secrets:
        """A copy of everything stored, as {service: {username: password}}."""
        with self._lock:
            return {service: dict(entries) for service, entries in self._secrets.items()}


class FileKeyring(KeyringBackend):
    """A keyring backend keeping secrets in the JSON file named by $UPWATCH_TEST_KEYRING_FILE.

    Viable only while that variable is set; the path is read at every call. Writes replace
    the file atomically; there is no cross-process lock, so do not write from two processes
    at once.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    @properties.classproperty
    def priority(cls) -> float:
        """1 while $UPWATCH_TEST_KEYRING_FILE is set; otherwise not viable (RuntimeError)."""
        cls.path()
        return 1.0

    @staticmethod
    def path() -> Path:
        """The JSON file in use (from the environment)."""
        value = os.environ.get(FILE_ENV_VAR)
        if not value:
            raise RuntimeError(f"FileKeyring needs ${FILE_ENV_VAR} to name a JSON file")
        return Path(value)

    def _load(self) -> Secrets:
        path = self.path()
        if not path.exists():
            return {}
        data: Secrets = json.loads(path.read_text(encoding="utf-8") or "{}")
        return data

    def _save(self, secrets: Secrets) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(secrets, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored password, or None."""
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store `password` for (`service`, `username`)."""
        secrets = self._load()
        secrets.setdefault(service, {})[username] = password
        self._save(secrets)

    def delete_password(self, service: str, username: str) -> None:
        """Delete the entry; raise PasswordDeleteError when there is none."""
        secrets = self._load()
        entries = secrets.get(service, {})
        if username not in entries:
            raise PasswordDeleteError(f"no password for {username!r} in {service!r}")
        del entries[username]
        if not entries:
            del secrets[service]
        self._save(secrets)
