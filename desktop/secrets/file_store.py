"""FileSecrets: the opt-in store for machines with no keyring, a JSON file only its owner reads.

Chosen only when the user asks (UPWATCH_SECRET_STORE=file). Like the `gh` and `aws` command
lines, it protects secrets with the file's permissions alone: the file is not encrypted, so
anyone who can read the account's files (or their backups) can read it. It is written
atomically (a 0600 temporary file, fsync, rename) under a lock, so the tray app, the runner and
a command can share it, and refused, as ssh refuses a private key, when its mode is wider than
0600 or another user owns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from desktop.errors import SecretStoreUnavailable

SECRETS_FILE = "secrets.json"
FILE_MODE = 0o600
FORMAT_VERSION = 1

# Paths whose warning this process has printed: say what protects the secrets once, not on
# every token refresh.
_warned: set[Path] = set()
_warned_lock = threading.Lock()
# flock() locks other processes out; this keeps two threads of one process in turn as well.
_write_lock = threading.Lock()


def protection_warning(path: Path) -> str:
    """Return the warning that says what protects the secrets in path."""
    return (
        f"warning: secrets are kept in {path} (mode 0600, not encrypted): only the file's"
        " permissions protect them; anyone who can read your account's files or their backups"
        " can read them"
    )


class FileSecrets:
    """Secrets in one JSON file of the data folder; every error is SecretStoreUnavailable."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        """Where the secrets are kept, for a user to read."""
        return f"{self.path} (mode 0600, not encrypted)"

    def ensure_available(self) -> None:
        """Raise SecretStoreUnavailable when the file cannot be used (bad mode, owner, folder)."""
        try:
            self._read()
        except FileNotFoundError:
            if not os.access(self.path.parent, os.W_OK | os.X_OK):
                raise SecretStoreUnavailable(
                    f"cannot create {self.path}: its folder is not writable"
                ) from None

    def get(self, key: str) -> str | None:
        """Return the secret under key, or None when there is none."""
        self._warn_once()
        try:
            return self._read().get(key)
        except FileNotFoundError:
            return None

    def set(self, key: str, value: str) -> None:
        """Store value under key, replacing the file atomically."""
        self._warn_once()
        with self._locked():
            entries = self._read_or_empty()
            entries[key] = value
            self._write(entries)

    def delete(self, key: str) -> None:
        """Remove the secret under key; a missing one is not an error."""
        self._warn_once()
        with self._locked():
            entries = self._read_or_empty()
            if entries.pop(key, None) is not None:
                self._write(entries)

    # -- the file -----------------------------------------------------------------------------

    def _warn_once(self) -> None:
        with _warned_lock:
            if self.path in _warned:
                return
            _warned.add(self.path)
        sys.stderr.write(protection_warning(self.path) + "\n")
        sys.stderr.flush()

    def _read_or_empty(self) -> dict[str, str]:
        try:
            return self._read()
        except FileNotFoundError:
            return {}

    def _read(self) -> dict[str, str]:
        """Return the entries; raise FileNotFoundError, or SecretStoreUnavailable when the
        file is unsafe or is not one Upwatch wrote."""
        _require_posix()
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise SecretStoreUnavailable(f"cannot read {self.path}: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as file:
            refuse_unsafe(self.path, os.fstat(fd))
            raw = file.read()
        return parse_entries(self.path, raw)

    def _write(self, entries: dict[str, str]) -> None:
        body = json.dumps({"version": FORMAT_VERSION, "secrets": entries}, indent=2).encode()
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                os.fchmod(fd, FILE_MODE)  # whatever the umask
                os.write(fd, body)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
            _fsync_folder(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise SecretStoreUnavailable(f"cannot write {self.path}: {exc.strerror}") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the file's lock, so a read-change-write in one process loses no other's write."""
        _require_posix()
        import fcntl  # POSIX only, as is this store

        lock_path = self.path.with_name(f".{self.path.name}.lock")
        with _write_lock:
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            except OSError as exc:
                raise SecretStoreUnavailable(f"cannot lock {self.path}: {exc.strerror}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)


def _require_posix() -> None:
    if os.name != "posix":
        raise SecretStoreUnavailable(
            "UPWATCH_SECRET_STORE=file needs POSIX file permissions to protect the file;"
            " on this system use its credential manager (unset UPWATCH_SECRET_STORE)"
        )


def refuse_unsafe(path: Path, info: os.stat_result) -> None:
    """Raise SecretStoreUnavailable when path is not a regular file of this user's, mode 0600
    or narrower."""
    if not stat.S_ISREG(info.st_mode):
        raise SecretStoreUnavailable(f"{path} is not a regular file: Upwatch will not use it")
    if info.st_uid != os.getuid():
        raise SecretStoreUnavailable(
            f"{path} belongs to another user (uid {info.st_uid}): Upwatch will not read"
            " secrets from it; remove it, or run Upwatch as its owner"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~FILE_MODE:
        raise SecretStoreUnavailable(
            f"{path} has mode {mode:04o}, so others may read or change it: Upwatch will not use"
            f" it; run `chmod 600 {path}` if nobody else could have read it, or else remove it,"
            " sign in again and change the secrets it held"
        )


def parse_entries(path: Path, raw: bytes) -> dict[str, str]:
    """Return the secrets of a file's bytes; raise SecretStoreUnavailable when it is not a
    secrets file Upwatch wrote."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SecretStoreUnavailable(f"{path} is not valid JSON ({exc}): move it aside") from exc
    entries = document.get("secrets") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("version") != FORMAT_VERSION
        or not isinstance(entries, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in entries.items())
    ):
        raise SecretStoreUnavailable(
            f"{path} is not a secrets file of this Upwatch version: move it aside"
        )
    return dict(entries)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable: a crash right after it must not bring the old file back."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
