"""Per-account change numbers (seq) shared by every synced entity."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlmodel import Session


def next_seq(session: Session, user_id: uuid.UUID) -> int:
    """Return the account's next change number.

    One counter per account across monitors, channels and later status pages, bumped with an
    UPDATE that locks the user's row: concurrent changes never share a number, so a sync
    cursor cannot skip one (max(seq) + 1 per table could hand out the same number twice).
    """
    row = session.exec(  # type: ignore[call-overload]
        text("UPDATE users SET change_seq = change_seq + 1 WHERE id = :id RETURNING change_seq"),
        params={"id": user_id},
    ).one()
    return int(row[0])
