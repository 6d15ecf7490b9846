"""DetailController: loads what the detail pane shows for the selected monitor."""

from __future__ import annotations

import asyncio
import uuid

from PySide6.QtCore import QObject, Signal

from desktop.errors import UpwatchError
from desktop.runtime.events import Event, Saved
from desktop.runtime.monitoring import Monitoring
from desktop.services.chart import DEFAULT_SPAN
from desktop.services.monitors import MonitorDetail, MonitorService


class DetailController(QObject):
    """Holds the detail of one monitor and reloads it when that monitor gets a result."""

    loaded = Signal()
    cleared = Signal()

    def __init__(self, service: MonitorService, monitoring: Monitoring | None = None) -> None:
        super().__init__()
        self._service = service
        self._selected: uuid.UUID | None = None
        self.detail: MonitorDetail | None = None
        self.chart_span = DEFAULT_SPAN
        self._pending: asyncio.Task[None] | None = None
        if monitoring is not None:
            monitoring.subscribe(self._on_event)

    @property
    def selected(self) -> uuid.UUID | None:
        """The monitor shown, if any."""
        return self._selected

    def select(self, monitor_id: uuid.UUID | None) -> None:
        """Show another monitor (None clears the pane)."""
        self._selected = monitor_id
        if monitor_id is None:
            self.detail = None
            self.cleared.emit()
            return
        self._schedule_load()

    def set_chart_span(self, span: str) -> None:
        """Chart another range ("1h", "24h", "7d", "30d") of the monitor shown."""
        self.chart_span = span
        if self._selected is not None:
            self._schedule_load()

    async def load(self) -> None:
        """Load the selected monitor's detail in a worker thread, then emit loaded."""
        monitor_id = self._selected
        if monitor_id is None:
            return
        try:
            detail = await asyncio.to_thread(
                self._service.detail, monitor_id, chart_span=self.chart_span
            )
        except UpwatchError:
            detail = None  # deleted meanwhile
        if monitor_id != self._selected:
            return  # the user moved on while it loaded
        self.detail = detail
        if detail is None:
            self.cleared.emit()
        else:
            self.loaded.emit()

    def _schedule_load(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        self._pending = asyncio.ensure_future(self.load())

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Saved) and any(
            o.result.monitor_id == self._selected for o in event.outcomes
        ):
            self._schedule_load()
