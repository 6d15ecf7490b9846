"""Who is asking: the account behind a live session, as the hot endpoints need it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


class Owner(Protocol):
    """What a use case needs of the account it acts for; a User is one, and so is a Caller."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def plan(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """An account's id and plan, read with its session check in one query and no ORM object
    (loading a User cost more than the query: bench/api.py). Read-only: nothing saves it."""

    id: uuid.UUID
    plan: str
