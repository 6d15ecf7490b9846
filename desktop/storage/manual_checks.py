"""Checks run by hand (`upwatch check`, "Test now"): stored like the runner's, state aside."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session

from desktop.storage.database import dbapi
from desktop.storage.monitors import MonitorRepository
from desktop.storage.writer import Outcome, write_outcomes
from shared.result import CheckResult

# a paused monitor stays paused: checking it by hand does not resume it
_SHOW_STATUS = "UPDATE monitors SET status = ? WHERE pk = ? AND is_active"


def record_manual_checks(session: Session, results: Sequence[CheckResult]) -> int:
    """Store results of stored monitors with their rollups and show each status; leave the
    alert state (confirmations, incidents) alone. Return how many were stored (results of
    monitors deleted meanwhile are dropped). Runs in the caller's write unit of work."""
    repo = MonitorRepository(session)
    outcomes: list[Outcome] = []
    for result in results:
        row = repo.find_by_id(uuid.UUID(str(result.monitor_id)))
        if row is not None and row.pk is not None:
            outcomes.append(Outcome(row.pk, result, None))
    conn = dbapi(session)
    write_outcomes(conn, outcomes)
    conn.executemany(_SHOW_STATUS, [(o.result.status.value, o.monitor_pk) for o in outcomes])
    return len(outcomes)
