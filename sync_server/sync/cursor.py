"""The results cursor: (transaction id, result id) of the last cloud result handed out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sync_server.errors import Invalid

_LAST = uuid.UUID(int=(1 << 128) - 1)


@dataclass(frozen=True, slots=True)
class ResultsCursor:
    """Where a device is in the account's cloud results; "" is a device's first pull."""

    xact: int
    after_id: uuid.UUID
    is_first: bool = False

    @classmethod
    def parse(cls, raw: str) -> ResultsCursor:
        """Return the cursor a client sent back; raise Invalid for one we did not make."""
        if not raw:
            return cls(0, uuid.UUID(int=0), is_first=True)
        xact, _, after = raw.partition(":")
        try:
            return cls(int(xact), uuid.UUID(after))
        except ValueError:
            raise Invalid("results_cursor is not one this server handed out") from None

    @classmethod
    def below(cls, horizon: int) -> ResultsCursor:
        """The cursor after every transaction below horizon."""
        return cls(horizon - 1, _LAST)

    def format(self) -> str:
        """Return the cursor as the string a client keeps."""
        return f"{self.xact}:{self.after_id}"
