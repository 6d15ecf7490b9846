"""The desktop's own incidents that a push sends: those started, still open or ended since
the last push (public status pages of monitors the cloud does not check list them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from desktop.storage.codes import SOURCE_CODE
from desktop.storage.database import Database, dbapi
from shared.result import Source
from shared.sync import IncidentIn

CURSOR_KEY = "incidents_pushed_at"
FIRST_WINDOW = timedelta(days=90)
# an incident row is written a moment after its time (the writer batches): look back a bit
MARGIN = timedelta(minutes=5)

_CHANGED = """
SELECT i.id, m.id, i.started_at, i.ended_at, i.first_error
FROM incidents AS i JOIN monitors AS m ON m.pk = i.monitor_pk
WHERE i.source = ? AND (i.started_at >= ? OR i.ended_at IS NULL OR i.ended_at >= ?)
ORDER BY i.started_at, i.id
LIMIT ? OFFSET ?
"""


def push_since(cursor: str | None, now: datetime) -> datetime:
    """Where the next push starts: the stored cursor, or 90 days back on the first push."""
    return datetime.fromisoformat(cursor) if cursor else now - FIRST_WINDOW


def next_cursor(now: datetime) -> str:
    """The cursor to store once a push that started at now has succeeded."""
    return (now - MARGIN).astimezone(UTC).isoformat()


def changed_incidents(db: Database, since: datetime, limit: int, offset: int) -> list[IncidentIn]:
    """Return up to limit of this computer's incidents started, open or ended since."""
    moment = since.astimezone(UTC).isoformat()
    with db.reader() as session:
        rows = (
            dbapi(session)
            .execute(_CHANGED, (SOURCE_CODE[Source.LOCAL], moment, moment, limit, offset))
            .fetchall()
        )
    return [
        IncidentIn(
            id=uuid.UUID(row[0]),
            monitor_id=uuid.UUID(row[1]),
            started_at=datetime.fromisoformat(row[2]),
            ended_at=datetime.fromisoformat(row[3]) if row[3] else None,
            first_error=(row[4] or None) and row[4][:500],
        )
        for row in rows
    ]
