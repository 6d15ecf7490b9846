"""SecretStore: the one door to secrets — the OS keyring, or a 0600 file when the user asks.

UPWATCH_SECRET_STORE picks the place for the whole process: unset, empty or "keyring" is the
OS keyring (refusing backends that would write plaintext); "file" is the data folder's
secrets.json, which only its permissions protect. Nothing falls back from one to the other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Protocol

import keyring.backend

from desktop.config import data_dir
from desktop.errors import InvalidInput
from desktop.secrets.file_store import SECRETS_FILE, FileSecrets
from desktop.secrets.keyring_store import (
    HOW_TO_FIX,
    REFUSED_BACKENDS,
    SERVICE,
    KeyringSecrets,
    backend_name,
)

__all__ = [
    "ENV_VAR",
    "HOW_TO_FIX",
    "REFUSED_BACKENDS",
    "SERVICE",
    "SecretStore",
    "backend_name",
    "channel_secret_key",
    "store_choice",
]

ENV_VAR = "UPWATCH_SECRET_STORE"
StoreKind = Literal["keyring", "file"]
CHOICES: tuple[StoreKind, ...] = ("keyring", "file")


class SecretPlace(Protocol):
    """Where secrets are kept: each method raises SecretStoreUnavailable when it cannot."""

    @property
    def where(self) -> str: ...

    def ensure_available(self) -> None: ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


def channel_secret_key(channel_id: str) -> str:
    """Return the secret's name of a channel's Apprise URL."""
    return f"channel:{channel_id}"


def store_choice(environ: Mapping[str, str] = os.environ) -> StoreKind:
    """Return the store UPWATCH_SECRET_STORE asks for ("keyring" when unset); raise
    InvalidInput naming the variable and its values for anything else."""
    raw = environ.get(ENV_VAR, "").strip()
    value = raw.lower() or "keyring"
    for choice in CHOICES:
        if value == choice:
            return choice
    raise InvalidInput(
        f"{ENV_VAR}={raw!r} is not a secret store: use {ENV_VAR}=keyring (the OS keyring, the"
        f" default) or {ENV_VAR}=file (a file of the data folder that only you can read)"
    )


class SecretStore:
    """Reads and writes secrets in the place this process was told to use."""

    def __init__(self, backend: keyring.backend.KeyringBackend | FileSecrets | None = None) -> None:
        """Use backend when given; otherwise what UPWATCH_SECRET_STORE asks for (raise
        InvalidInput when it names no store)."""
        place: SecretPlace
        if isinstance(backend, FileSecrets):
            place = backend
        elif backend is None and store_choice() == "file":
            place = FileSecrets(data_dir() / SECRETS_FILE)
        else:
            place = KeyringSecrets(backend)
        self._place = place

    @property
    def where(self) -> str:
        """Where the secrets are kept ("the OS keyring", or the file's path), for a user."""
        return self._place.where

    def ensure_available(self) -> None:
        """Raise SecretStoreUnavailable (with how to fix it) when secrets cannot be kept."""
        self._place.ensure_available()

    def set(self, key: str, value: str) -> None:
        """Store value under key; raise SecretStoreUnavailable when that is not possible."""
        self._place.set(key, value)

    def get(self, key: str) -> str | None:
        """Return the secret under key, or None when there is none."""
        return self._place.get(key)

    def delete(self, key: str) -> None:
        """Remove the secret under key; a missing one is not an error."""
        self._place.delete(key)
