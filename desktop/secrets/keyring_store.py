"""KeyringSecrets: secrets in the OS keyring, refusing backends that would write plaintext."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer

from desktop.errors import SecretStoreUnavailable

SERVICE = "upwatch"

# Backends that store nothing, or store secrets as plain text: never used silently.
REFUSED_BACKENDS = frozenset(
    {
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
        "keyrings.alt.file.EncryptedKeyring",  # its key is kept beside the file
    }
)

HOW_TO_FIX = (
    "No usable OS keyring was found, so Upwatch cannot keep its secrets (alert channel URLs,"
    " which hold tokens and passwords, and your Upwatch Cloud sign-in) safely, and it will not"
    " write them to a plain file unless you ask it to. Start your desktop's keyring (GNOME"
    " Keyring, KWallet, macOS Keychain, Windows Credential Manager). On a headless machine or"
    " under systemd, set UPWATCH_SECRET_STORE=file to keep them in a file of the data folder"
    " that only you can read (mode 0600, not encrypted: only the file's permissions protect"
    " it), or set PYTHON_KEYRING_BACKEND to a keyring backend you trust that needs no terminal."
)


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    """Return the dotted class name of a keyring backend."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(inner) for inner in backend.backends)
    return backend_name(backend) not in REFUSED_BACKENDS


class KeyringSecrets:
    """Secrets under the "upwatch" service of a keyring (the OS one unless given another)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        """The keyring backend in use."""
        return self._backend or keyring.get_keyring()

    @property
    def where(self) -> str:
        """Where the secrets are kept, for a user to read."""
        return "the OS keyring"

    def ensure_available(self) -> None:
        """Raise SecretStoreUnavailable (with how to fix it) when secrets cannot be kept."""
        if not _usable(self.backend):
            raise SecretStoreUnavailable(HOW_TO_FIX)

    def set(self, key: str, value: str) -> None:
        """Store value under key; raise SecretStoreUnavailable when the keyring refuses."""
        self.ensure_available()
        try:
            self.backend.set_password(SERVICE, key, value)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreUnavailable(f"the keyring refused to store a secret: {exc}") from exc
        except EOFError as exc:
            raise self._no_terminal() from exc

    def get(self, key: str) -> str | None:
        """Return the secret under key, or None when there is none."""
        self.ensure_available()
        try:
            return self.backend.get_password(SERVICE, key)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreUnavailable(f"the keyring could not be read: {exc}") from exc
        except EOFError as exc:
            raise self._no_terminal() from exc

    def delete(self, key: str) -> None:
        """Remove the secret under key; a missing one is not an error."""
        self.ensure_available()
        try:
            self.backend.delete_password(SERVICE, key)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise SecretStoreUnavailable(f"the keyring could not delete a secret: {exc}") from exc
        except EOFError as exc:
            raise self._no_terminal() from exc

    def _no_terminal(self) -> SecretStoreUnavailable:
        # keyrings.cryptfile and its kind ask for a password with getpass: with no terminal
        # (a systemd service, nohup) that is an EOFError, not an answer
        return SecretStoreUnavailable(
            f"the keyring backend {backend_name(self.backend)} asked for its password and there"
            " is no terminal to type it in (a service or a background job?); give the backend"
            " its password as its documentation says, or set UPWATCH_SECRET_STORE=file to keep"
            " secrets in a file only you can read (mode 0600, not encrypted)"
        )
