"""MonitorsController: the live list of monitors that the table, the tray and the menu show."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.controllers.summary import tray_summary
from desktop.errors import UpwatchError
from desktop.runtime.events import Checked, ConfigEdited, Event, Saved, SaveFailed
from desktop.runtime.monitoring import Monitoring
from desktop.services.monitors import MonitorService, MonitorSummary
from desktop.services.tags import TagService
from desktop.services.validation import make_spec
from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.state import Flip, MonitorState
from shared.status import Status
from shared.tags import Tag, tag_key

UPTIME_REFRESH_S = 60.0
FIRST_UPTIME_GAP_S = 5.0


# A row of the list is the stored summary, overlaid with live results (see _fresher).
MonitorView = MonitorSummary


class MonitorsController(QObject):
    """Holds the monitor list, applies live results, and runs monitor use cases."""

    rows_changed = Signal()
    row_changed = Signal(int)
    summary_changed = Signal(str, str)
    error_raised = Signal(str)
    monitors_edited = Signal()  # a change made here (cloud sync picks it up)
    storage_problem_changed = Signal(str)  # results cannot be saved: why; "" once they are

    def __init__(self, service: MonitorService, monitoring: Monitoring | None = None) -> None:
        super().__init__()
        self._service = service
        self._tags = TagService(service.db)
        self._monitoring = monitoring
        self._rows: list[MonitorView] = []
        self._index: dict[uuid.UUID, int] = {}
        # The newest result per monitor, which a refresh may read before the writer commits it.
        self._live: dict[uuid.UUID, tuple[Status, CheckResult]] = {}
        self.storage_problem = ""
        self._uptime_refresh: asyncio.Task[None] | None = None
        self._uptime_asked: set[uuid.UUID] = set()
        self._uptime_waiting = False
        self._uptime_refreshed_at = -FIRST_UPTIME_GAP_S
        if monitoring is not None:
            monitoring.subscribe(self._on_event)

    # -- reading ------------------------------------------------------------------------------

    @property
    def rows(self) -> list[MonitorView]:
        """The monitors, oldest first."""
        return self._rows

    def known_tags(self) -> list[Tag]:
        """Every tag the monitors carry, once each (in the colour it has here), by name."""
        tags: dict[str, Tag] = {}
        for row in self._rows:
            for tag in row.spec.tags:
                tags.setdefault(tag_key(tag["name"]), tag)
        return [tags[key] for key in sorted(tags)]

    def row_of(self, monitor_id: uuid.UUID) -> int | None:
        """Return the row index of a monitor, if listed."""
        return self._index.get(monitor_id)

    @property
    def summary(self) -> tuple[Status, str]:
        """The worst status and the "12 up · 1 down" line."""
        return tray_summary(row.status for row in self._rows)

    async def refresh(self) -> None:
        """Reload every monitor with its uptime (in a worker thread)."""
        summaries = await asyncio.to_thread(self._service.summaries)
        self._rows = [self._fresher(s) for s in summaries]
        self._index = {row.spec.id: i for i, row in enumerate(self._rows)}
        self.rows_changed.emit()
        self._emit_summary()

    async def keep_uptime_fresh(self) -> None:
        """Refresh uptime figures every minute, forever (run as a task)."""
        while True:
            await asyncio.sleep(UPTIME_REFRESH_S)
            await self.refresh()

    def _fresher(self, stored: MonitorView) -> MonitorView:
        """Return stored, overlaid with a live result the writer has not committed yet."""
        live = self._live.get(stored.spec.id)
        if live is None or not stored.spec.is_active:
            return stored
        status, result = live
        if stored.last_checked_at is not None and stored.last_checked_at >= result.checked_at:
            return stored
        return replace(
            stored,
            status=status,
            last_checked_at=result.checked_at,
            last_response_ms=result.response_time_ms,
            last_error=result.error,
        )

    def _on_event(self, event: Event) -> None:
        match event:
            case Checked(spec, result, state, flip):
                self._on_result(spec, result, state, flip)
            case SaveFailed(message):
                self._on_save_failed(message)
            case Saved(outcomes):
                self._on_saved()
                self._fill_first_uptimes({o.result.monitor_id for o in outcomes})

    def _on_result(
        self, spec: MonitorSpec, result: CheckResult, state: MonitorState, flip: Flip | None
    ) -> None:
        self._live[spec.id] = (state.status, result)
        index = self._index.get(spec.id)
        if index is None:
            return
        self._rows[index] = self._fresher(self._rows[index])
        self.row_changed.emit(index)
        if flip is not None or result.status != Status.UP:
            self._emit_summary()

    def _on_save_failed(self, message: str) -> None:
        problem = f"Check results are not being saved: {message}"
        if problem != self.storage_problem:
            self.storage_problem = problem
            self.storage_problem_changed.emit(problem)

    def _on_saved(self) -> None:
        if self.storage_problem:
            self.storage_problem = ""
            self.storage_problem_changed.emit("")

    def _fill_first_uptimes(self, monitor_ids: set[uuid.UUID]) -> None:
        # A monitor's first saved result gives it an uptime figure: show it soon, not at the
        # next minute's refresh (the detail pane reads it at once). A refresh reads every
        # monitor, so there is one at a time and at most one per FIRST_UPTIME_GAP_S (a
        # thousand new monitors save in many batches), and each monitor asks once: one
        # whose results give no figure (all unknown) must not reload the list on every save.
        refreshing = self._uptime_refresh is not None and not self._uptime_refresh.done()
        if refreshing and not self._uptime_waiting:
            return  # a refresh is reading now: these ask again with their next result
        waiting = {
            monitor_id
            for monitor_id in monitor_ids - self._uptime_asked
            if (index := self._index.get(monitor_id)) is not None
            and self._rows[index].uptime_24h is None
        }
        if not waiting:
            return
        self._uptime_asked |= waiting
        if not refreshing:
            loop = asyncio.get_running_loop()
            delay = max(0.0, self._uptime_refreshed_at + FIRST_UPTIME_GAP_S - loop.time())
            self._uptime_refresh = loop.create_task(self._refresh_uptimes_after(delay))

    async def _refresh_uptimes_after(self, delay: float) -> None:
        self._uptime_waiting = True
        try:
            await asyncio.sleep(delay)
        finally:
            self._uptime_waiting = False
        self._uptime_refreshed_at = asyncio.get_running_loop().time()
        await self.refresh()

    def _emit_summary(self) -> None:
        status, text = self.summary
        self.summary_changed.emit(status.value, text)

    # -- changing -----------------------------------------------------------------------------

    async def add(self, fields: dict[str, Any]) -> MonitorSpec:
        """Validate and store a new monitor, start checking it; raise InvalidInput."""
        spec = await asyncio.to_thread(self._service.add, make_spec(fields))
        await self._changed()
        return spec

    async def edit(self, monitor_id: uuid.UUID, fields: dict[str, Any]) -> MonitorSpec:
        """Change a monitor; raise InvalidInput (nothing saved) or NotFound."""
        spec = await asyncio.to_thread(self._service.edit, str(monitor_id), fields)
        await self._changed()
        return spec

    async def set_cloud(self, monitor_id: uuid.UUID, cloud: bool) -> None:
        """Ask (or stop asking) Upwatch Cloud to check a monitor too, from the next sync."""
        await asyncio.to_thread(self._service.set_cloud, str(monitor_id), cloud)
        await self._changed()

    async def remove(self, monitor_id: uuid.UUID) -> None:
        """Delete a monitor and its history."""
        await asyncio.to_thread(self._service.remove, str(monitor_id))
        await self._changed()

    async def set_active(self, monitor_id: uuid.UUID, active: bool) -> None:
        """Pause or resume one monitor."""
        await asyncio.to_thread(self._service.set_active, str(monitor_id), active)
        await self._changed()

    async def set_all_active(self, active: bool) -> None:
        """Pause or resume every monitor."""
        for row in list(self._rows):
            if row.spec.is_active != active:
                await asyncio.to_thread(self._service.set_active, str(row.spec.id), active)
        await self._changed()

    async def retag(
        self, ids: Sequence[uuid.UUID], add: Sequence[str], take_off: Sequence[str]
    ) -> int:
        """Add and take off tags on many monitors; return how many changed; raise
        InvalidInput (nothing saved)."""
        changed = await asyncio.to_thread(self._tags.retag, ids, add, take_off)
        await self._changed()
        return changed

    async def recolour_tag(self, name: str, colour: str) -> None:
        """Give a tag another colour on every monitor; raise InvalidInput."""
        await asyncio.to_thread(self._tags.recolour, name, colour)
        await self._changed()

    async def rename_tag(self, name: str, new_name: str) -> None:
        """Rename a tag on every monitor; raise InvalidInput."""
        await asyncio.to_thread(self._tags.rename, name, new_name)
        await self._changed()

    async def remove_tag(self, name: str) -> None:
        """Take a tag off every monitor."""
        await asyncio.to_thread(self._tags.remove, name)
        await self._changed()

    def check_now(self, monitor_id: uuid.UUID) -> bool:
        """Run a check of one monitor now; False when it is paused or already running."""
        return self._monitoring is not None and self._monitoring.check_now(monitor_id)

    def check_all(self) -> int:
        """Run every active monitor now; return how many started."""
        return sum(self.check_now(row.spec.id) for row in self._rows if row.spec.is_active)

    async def run_safely(self, action: Any) -> bool:
        """Await a use case; report an UpwatchError through error_raised instead of raising."""
        try:
            await action
        except UpwatchError as exc:
            self.error_raised.emit(exc.message)
            return False
        return True

    async def reload(self) -> None:
        """Re-read monitors changed elsewhere (another device, through sync)."""
        if self._monitoring is not None:
            await self._monitoring.apply(ConfigEdited())
        await self.refresh()

    async def _changed(self) -> None:
        await self.reload()
        self.monitors_edited.emit()
