"""What a pull hands out, built from rows we wrote ourselves, in the shapes of shared.sync.

A pull carries up to thousands of results and hundreds of monitor changes: every one of them
was validated when it came in (a push, the API or a cloud worker writing its own check), and
validating each again on the way out cost a third of a pull (bench/sync.py). The response
model is still what the endpoint declares, so the OpenAPI schema says what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.sync import RemoteMonitor, ResultOut
from sync_server.monitors.read_model import stored_spec
from sync_server.monitors.schemas import spec_fields
from sync_server.monitors.tables import Monitor


def origin_of(device_id: str | None, name: str | None) -> str:
    """Return who checked a result for people: "cloud", the device's name, or (a device
    that never said its name) "device " and the start of its id."""
    if device_id is None:
        return "cloud"
    return name or f"device {device_id[:8]}"


def remote_monitor(row: Monitor) -> RemoteMonitor:
    """Return a stored monitor as the change a pull hands out (no spec once deleted)."""
    spec = None if row.deleted else stored_spec(spec_fields(row))
    return RemoteMonitor(
        id=row.id,
        seq=row.seq,
        updated_at=row.updated_at,
        device_id=row.changed_by,
        deleted=row.deleted,
        cloud=row.cloud,
        spec=spec,
    )


def results_out(rows: Sequence[Any]) -> list[ResultOut]:
    """Return stored checks, as SyncRepository.results_after reads them, as pulled results."""
    # our own rows, checked when they were written: constructed, not validated again
    return [
        ResultOut.model_construct(
            id=row[0],
            monitor_id=row[1],
            status=row[2],
            status_code=row[3],
            response_time_ms=row[4],
            error=row[5],
            checked_at=row[6],
            device_id=row[9],
            origin=origin_of(row[9], row[10]),
        )
        for row in rows
    ]
