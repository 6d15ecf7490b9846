"""The desktop's one error family: each carries a message fit to show a user."""

from __future__ import annotations


class UpwatchError(Exception):
    """Base of every error the desktop shows to a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(UpwatchError):
    """The user asked for something malformed; nothing was changed."""

    exit_code = 2


class NotFound(UpwatchError):
    """No monitor or channel matches what the user named."""

    exit_code = 2


class SecretStoreUnavailable(UpwatchError):
    """No usable OS keyring: secrets cannot be kept, and will not be written elsewhere."""

    exit_code = 2


class StorageError(UpwatchError):
    """The database could not be opened or written."""


class CloudError(UpwatchError):
    """Talking to Upwatch Cloud failed; the message says what to do."""


class CloudUnreachable(CloudError):
    """The server could not be reached (offline, wrong address, or it is down)."""


class SignInFailed(CloudError):
    """Wrong email or password (the server never says which)."""

    exit_code = 2


class NotSignedIn(CloudError):
    """No cloud account on this computer, or its session ended (signed out, revoked)."""

    exit_code = 2


class SessionEnded(NotSignedIn):
    """The server ended this computer's session (signed out elsewhere, revoked, expired)."""


class CloudRefused(CloudError):
    """The server refused the request and said why (a 4xx with its message)."""

    exit_code = 2
