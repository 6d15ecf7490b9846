"""CloudSync: one sync run with Upwatch Cloud, push then pull, and its outcome recorded.

A run pushes queued monitor and channel changes, then local results (a few pages in flight
at once) and changed incidents, then pulls until up to date. Every push is idempotent and
every pulled page is stored with its cursors, so a run cut off anywhere resumes cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from desktop.cloud.client import CloudClient
from desktop.errors import SecretStoreUnavailable
from desktop.secrets.store import channel_secret_key
from desktop.services.channel_push import push_channels
from desktop.services.cloud_session import CloudSession
from desktop.storage.incident_sync import CURSOR_KEY as INCIDENTS_CURSOR
from desktop.storage.incident_sync import changed_incidents, next_cursor, push_since
from desktop.storage.monitors import to_spec
from desktop.storage.sync_store import Pending
from shared.result import to_ms
from shared.sync import (
    MAX_PUSH_CHANGES,
    MAX_PUSH_INCIDENTS,
    MAX_PUSH_RESULTS,
    MonitorChange,
    PushRequest,
)

# a first push sends the last week of local results (the free plan keeps 7 days)
FIRST_PUSH_WINDOW = timedelta(days=7)
PUSHES_IN_FLIGHT = 2


@dataclass(slots=True)
class SyncReport:
    """What one sync run did."""

    pushed: int = 0
    refused: list[str] = field(default_factory=list)
    results_pushed: int = 0
    pulled: int = 0
    results_pulled: int = 0


class CloudSync:
    """Sync runs for the session's account, one at a time per process."""

    def __init__(self, session: CloudSession) -> None:
        self.session = session
        self.store = session.store
        # the tray's loop and a Share may both ask for a run
        self._lock: asyncio.Lock | None = None

    async def sync(self, now: datetime | None = None) -> SyncReport:
        """Push local changes and results, then pull until up to date; record the outcome.

        Raises NotSignedIn, or the CloudError that stopped the run (recorded as last_error).
        A second call waits for the first, then syncs what is left."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await self._run(now)

    async def _run(self, now: datetime | None) -> SyncReport:
        client = await self.session.client()
        report = SyncReport()
        try:
            device = await asyncio.to_thread(self.store.device_id)
            await self._push_monitors(client, device, report)
            pushed, refused = await push_channels(
                client.push, self.session.channels, self.session.secrets, device
            )
            report.pushed += pushed
            report.refused += refused
            await self._push_results(client, device, report, now or datetime.now(UTC))
            await self._push_incidents(client, device, now or datetime.now(UTC))
            await self._pull(client, device, report)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            await asyncio.to_thread(self.store.set, last_error=message)
            raise
        stamp = (now or datetime.now(UTC)).isoformat()
        await asyncio.to_thread(self.store.set, last_sync_at=stamp, last_error=None)
        return report

    async def _push_monitors(self, client: CloudClient, device: str, report: SyncReport) -> None:
        pending = await asyncio.to_thread(self.store.pending)
        for start in range(0, len(pending), MAX_PUSH_CHANGES):
            chunk = pending[start : start + MAX_PUSH_CHANGES]
            changes = [_change(p) for p in chunk]
            answer = await client.push(PushRequest(device_id=device, monitors=changes))
            for item, applied in zip(chunk, answer.monitors, strict=True):
                # "older": the server has a newer change; the pull below brings it
                accepted = applied.applied or applied.reason == "older"
                error = None if accepted else (applied.reason or "refused")
                await asyncio.to_thread(self.store.settle, item.entry, error)
                if accepted:
                    report.pushed += int(applied.applied)
                else:
                    name = item.row.name if item.row is not None else item.entry.id
                    report.refused.append(f"{name}: {error}")

    async def _push_results(
        self, client: CloudClient, device: str, report: SyncReport, now: datetime
    ) -> None:
        first_from = to_ms(now - FIRST_PUSH_WINDOW)
        name = await asyncio.to_thread(self.store.device_name)
        since, top = await asyncio.to_thread(self.store.results_window, first_from)
        if since is None:
            return
        # the next page is read while earlier ones are on their way: at most PUSHES_IN_FLIGHT
        # pushes at once (each is idempotent, so a failure anywhere just means a retry)
        in_flight: set[asyncio.Task[int]] = set()
        key: tuple[int, int] | None = None
        try:
            while True:
                page, key = await asyncio.to_thread(
                    self.store.local_results_page, since, key, MAX_PUSH_RESULTS
                )
                if page:
                    if len(in_flight) >= PUSHES_IN_FLIGHT:
                        report.results_pushed += await _first_done(in_flight)
                    request = PushRequest.model_construct(
                        device_id=device, device_name=name, monitors=[], results=page
                    )
                    in_flight.add(asyncio.ensure_future(_stored(client, request)))
                if key is None:
                    break
            while in_flight:
                report.results_pushed += await _first_done(in_flight)
        finally:
            for task in in_flight:
                task.cancel()
        await asyncio.to_thread(self.store.results_pushed, top)

    async def _push_incidents(self, client: CloudClient, device: str, now: datetime) -> None:
        since = push_since(await asyncio.to_thread(self.store.get, INCIDENTS_CURSOR), now)
        offset = 0
        while True:
            page = await asyncio.to_thread(
                changed_incidents, self.store.db, since, MAX_PUSH_INCIDENTS, offset
            )
            if page:
                await client.push(PushRequest(device_id=device, incidents=page))
            if len(page) < MAX_PUSH_INCIDENTS:
                break
            offset += len(page)
        await asyncio.to_thread(self.store.set, **{INCIDENTS_CURSOR: next_cursor(now)})

    async def _pull(self, client: CloudClient, device: str, report: SyncReport) -> None:
        cursor = int(await asyncio.to_thread(self.store.get, "cursor") or 0)
        results_cursor = await asyncio.to_thread(self.store.get, "results_cursor") or ""
        page = await client.pull(cursor, results_cursor, device)
        while True:
            # store this page (in a thread) while the next one is fetched; pages are still
            # stored in order, each with its cursors, so an interruption resumes cleanly
            fetch = (
                asyncio.ensure_future(client.pull(page.cursor, page.results_cursor, device))
                if page.more
                else None
            )
            try:
                changed, stale = await asyncio.to_thread(
                    self.store.apply_remote, page.monitors, page.channels, device, page.cursor
                )
                report.pulled += changed
                await asyncio.to_thread(self._forget_secrets, stale)
                report.results_pulled += await asyncio.to_thread(
                    self.store.save_cloud_results, page.results, page.results_cursor
                )
            except BaseException:
                if fetch is not None:
                    fetch.cancel()
                raise
            if fetch is None:
                return
            page = await fetch

    def _forget_secrets(self, channel_ids: list[str]) -> None:
        # deleted elsewhere, or its address changed there: the old URL must not linger
        for channel_id in channel_ids:
            with contextlib.suppress(SecretStoreUnavailable):
                self.session.secrets.delete(channel_secret_key(channel_id))


async def _stored(client: CloudClient, request: PushRequest) -> int:
    return (await client.push(request)).results_stored


async def _first_done(tasks: set[asyncio.Task[int]]) -> int:
    """Wait for one of tasks, take it out of the set and return its result (or raise)."""
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    task = done.pop()
    tasks.discard(task)
    return task.result()


def _change(pending: Pending) -> MonitorChange:
    """The change to push for a queued entry: the monitor as it is now, or a tombstone."""
    monitor_id = uuid.UUID(pending.entry.id)
    if pending.row is None:
        return MonitorChange(id=monitor_id, updated_at=pending.entry.updated_at, deleted=True)
    row = pending.row
    return MonitorChange(
        id=monitor_id, updated_at=row.updated_at, spec=to_spec(row), cloud=row.cloud
    )
