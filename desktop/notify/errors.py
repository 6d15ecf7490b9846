"""What a failed delivery raises."""

from __future__ import annotations


class NotifyError(Exception):
    """A delivery failed; permanent failures (a malformed URL) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
