"""One-off checks (`upwatch check`, "Test now"): run, record, return the results."""

from __future__ import annotations

import asyncio

from desktop.runtime.connectivity import Connectivity
from desktop.storage.database import Database
from desktop.storage.manual_checks import record_manual_checks
from shared.clock import SystemClock
from shared.engine import run_check
from shared.http_probe import AiohttpProbe
from shared.monitor import MonitorSpec
from shared.result import CheckResult


async def probe_once(specs: list[MonitorSpec]) -> list[CheckResult]:
    """Check each spec once, concurrently, without storing anything."""
    clock = SystemClock()
    probe = AiohttpProbe()
    try:
        return list(await asyncio.gather(*(run_check(s, probe=probe, clock=clock) for s in specs)))
    finally:
        await probe.close()


async def check_now(db: Database, specs: list[MonitorSpec]) -> list[CheckResult]:
    """Check stored monitors once and record the results (history and uptime).

    The alert state (confirmations, incidents) belongs to the runner, `upwatch run` or the
    tray app: a check from the terminal never changes it, so it can never swallow an alert.
    The status shown (`upwatch list`) is the one just found, until the runner's next check.
    """
    results = await probe_once(specs)
    connectivity = Connectivity(SystemClock())
    results = [connectivity.classify(r, s.host) for s, r in zip(specs, results, strict=True)]
    with db.session() as session:
        record_manual_checks(session, results)
    return results
