"""MonitorTableModel: the controller's monitors as the list shows them — filtered, sorted and,
on request, grouped under a header row per tag (a monitor with two tags is under both).

It filters and sorts in Python over one precomputed search text per monitor instead of going
through a QSortFilterProxyModel, whose calls back into Python for every row and comparison
made each filter keystroke cost up to a second and a half at 1,000 monitors.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFont

from desktop.controllers.monitors import MonitorsController, MonitorView
from desktop.controllers.summary import TagGroup, tag_groups
from desktop.ui.icons import dot_icon
from shared.status import SEVERITY
from shared.tags import tag_key, tag_names
from shared.uptime import format_uptime

COLUMNS = ("Status", "Name", "Tags", "URL", "Response", "Uptime 24h", "Uptime 30d", "Last checked")
ID_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_ROLE = Qt.ItemDataRole.UserRole + 3  # a header row's tag key (None on a monitor's row)
TAGS_ROLE = Qt.ItemDataRole.UserRole + 4  # the monitor's tags, for the chips
Index = QModelIndex | QPersistentModelIndex
RESORT_AFTER_MS = 400  # live results that change the order are gathered this long


def ago(moment: datetime | None) -> str:
    """Return "12 s ago" style text."""
    if moment is None:
        return "never"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


def _sort_key(row: MonitorView, column: int) -> Any:
    if column == 0:
        return -SEVERITY[row.status], row.spec.name.lower()
    if column == 1:
        return row.spec.name.lower()
    if column == 2:
        return [tag_key(name) for name in tag_names(row.spec.tags)] or ["\uffff"]
    if column == 3:
        return row.spec.url
    if column == 4:
        return row.last_response_ms if row.last_response_ms is not None else 10**9
    if column in (5, 6):
        uptime = row.uptime_24h if column == 5 else row.uptime_30d
        return uptime if uptime is not None else -1.0
    return row.last_checked_at.timestamp() if row.last_checked_at else 0.0


def _haystack(row: MonitorView) -> str:
    tags = " ".join(tag_names(row.spec.tags))
    return f"{row.spec.name}\t{row.spec.url}\t{row.status.value}\t{tags}".casefold()


@dataclass(frozen=True, slots=True)
class _Query:
    """What the filter box asks: plain words (all must appear) and tag:NAME parts."""

    words: tuple[str, ...]
    tags: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> _Query:
        words, tags = [], []
        for part in text.casefold().split():
            if part.startswith("tag:") and len(part) > 4:
                tags.append(part[4:])
            else:
                words.append(part)
        return cls(tuple(words), tuple(tags))


Entry = int | TagGroup  # a monitor (its index in the controller's rows) or a group's header


class MonitorTableModel(QAbstractTableModel):
    """Rows are the controller's MonitorViews in the list's order, maybe under tag headers."""

    def __init__(self, controller: MonitorsController) -> None:
        super().__init__()
        self._controller = controller
        self._entries: list[Entry] = []
        self._ids: list[uuid.UUID] = []
        self._haystacks: list[str] = []
        self._positions: dict[int, list[int]] = {}
        self._query = _Query((), ())
        self.tag: str | None = None  # a tag key chosen in the tag box; "" is "no tag"
        self.grouped = False
        self._collapsed: set[str] = set()
        self._sort = (1, Qt.SortOrder.AscendingOrder)
        self._resort_soon = QTimer(self, singleShot=True, interval=RESORT_AFTER_MS)
        self._resort_soon.timeout.connect(self._relayout)
        controller.rows_changed.connect(self._rows_changed)
        controller.row_changed.connect(self._row_changed)
        self._rows_changed()

    # -- what the view asks -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of rows shown (monitors and group headers)."""
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Monitor rows are selectable; a group header is not (a click folds it)."""
        if self.group_at(index.row()) is not None:
            return Qt.ItemFlag.ItemIsEnabled
        return super().flags(index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, status icons, the monitor id and tags, and group headers."""
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        if isinstance(entry, TagGroup):
            return self._group_data(entry, index.column(), role)
        row = self._controller.rows[entry]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return dot_icon(row.status)
        if role == Qt.ItemDataRole.ToolTipRole:  # the full name and URL however narrow
            lines = [row.spec.name, row.spec.url, *([row.last_error] if row.last_error else [])]
            return "\n".join(lines)
        if role == ID_ROLE:
            return str(row.spec.id)
        if role == TAGS_ROLE:
            return row.spec.tags
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _group_data(self, group: TagGroup, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            fold = "▸" if group.key in self._collapsed else "▾"
            count = len(group.members)
            return f"{fold}  {group.name}  ·  {count} monitor{'s' * (count != 1)}: {group.text}"
        if role == Qt.ItemDataRole.DecorationRole:
            return dot_icon(group.status)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == GROUP_ROLE:
            return group.key
        return None

    @staticmethod
    def _text(row: MonitorView, column: int) -> str:
        if column == 0:
            return row.status.value.capitalize()
        if column == 1:
            return row.spec.name
        if column == 2:
            return ", ".join(tag_names(row.spec.tags))
        if column == 3:
            return row.spec.url
        if column == 4:
            return "—" if row.last_response_ms is None else f"{row.last_response_ms} ms"
        if column == 5:
            return format_uptime(row.uptime_24h)
        if column == 6:
            return format_uptime(row.uptime_30d)
        return ago(row.last_checked_at)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the monitors by a column (the view's header calls this)."""
        self._sort = (column, order)
        self._relayout()

    # -- what the window asks -----------------------------------------------------------------

    def group_at(self, row: int) -> TagGroup | None:
        """The group whose header is at row, if it is one."""
        entry = self._entries[row] if 0 <= row < len(self._entries) else None
        return entry if isinstance(entry, TagGroup) else None

    def header_rows(self) -> list[int]:
        """The rows that are group headers."""
        return [row for row, entry in enumerate(self._entries) if isinstance(entry, TagGroup)]

    def id_at(self, row: int) -> uuid.UUID | None:
        """The id of the monitor shown at row, if it is one (also while rows change)."""
        entry = self._entries[row] if 0 <= row < len(self._entries) else None
        return self._ids[entry] if isinstance(entry, int) else None

    def view_at(self, row: int) -> MonitorView | None:
        """The monitor shown at row, if it is one and still there."""
        monitor_id = self.id_at(row)
        index = self._controller.row_of(monitor_id) if monitor_id is not None else None
        return self._controller.rows[index] if index is not None else None

    def row_of(self, monitor_id: uuid.UUID) -> int | None:
        """The first row that shows the monitor, if it is shown."""
        index = self._controller.row_of(monitor_id)
        positions = self._positions.get(index) if index is not None else None
        return positions[0] if positions else None

    def set_filter(self, text: str) -> None:
        """Show only monitors whose name, URL, status or tags hold every word of text;
        tag:NAME keeps those carrying that tag."""
        self._query = _Query.parse(text)
        self._relayout()

    def set_tag(self, key: str | None) -> None:
        """Show only the monitors with this tag (tag_key; "" for those without), or all."""
        self.tag = key
        self._relayout()

    def set_grouped(self, grouped: bool) -> None:
        """Show the monitors under a header per tag, or as one list."""
        if grouped == self.grouped:
            return
        self.grouped = grouped
        self._relayout()

    def toggle_group(self, key: str) -> None:
        """Fold or unfold the monitors under a group's header."""
        self._collapsed ^= {key}
        self._relayout()

    # -- building the rows --------------------------------------------------------------------

    def _accepts(self, index: int) -> bool:
        hay = self._haystacks[index]
        if not all(word in hay for word in self._query.words):
            return False
        if not self._query.tags and self.tag is None:
            return True
        keys = {tag_key(name) for name in tag_names(self._controller.rows[index].spec.tags)}
        if self.tag is not None and (self.tag not in keys if self.tag else keys):
            return False
        return all(any(key.startswith(t) for key in keys) for t in self._query.tags)

    def _build(self) -> list[Entry]:
        rows = self._controller.rows
        shown = [i for i in range(len(rows)) if self._accepts(i)]
        column, order = self._sort
        shown.sort(key=lambda i: _sort_key(rows[i], column))
        if order == Qt.SortOrder.DescendingOrder:
            shown.reverse()
        if not self.grouped:
            return list(shown)
        entries: list[Entry] = []
        for group in tag_groups([(rows[i].spec.tags, rows[i].status) for i in shown]):
            members = tuple(shown[m] for m in group.members)
            entries.append(
                TagGroup(group.key, group.name, group.color, members, group.status, group.text)
            )
            if group.key not in self._collapsed:
                entries.extend(members)
        return entries

    @staticmethod
    def _identity(entry: Entry, ids: list[uuid.UUID]) -> Hashable:
        return ("group", entry.key) if isinstance(entry, TagGroup) else ("monitor", ids[entry])

    def _place(self, entries: list[Entry], ids: list[uuid.UUID]) -> None:
        self._entries, self._ids = entries, ids
        self._positions = {}
        for position, entry in enumerate(entries):
            if isinstance(entry, int):
                self._positions.setdefault(entry, []).append(position)

    def _relayout(self) -> None:
        """Rebuild the rows; the same rows in a new order keep the selection and scroll."""
        self._resort_soon.stop()
        old = [self._identity(e, self._ids) for e in self._entries]
        ids = [row.spec.id for row in self._controller.rows]
        entries = self._build()
        new = [self._identity(e, ids) for e in entries]
        if sorted(map(repr, old)) != sorted(map(repr, new)) or len(set(new)) != len(new):
            self.beginResetModel()
            self._place(entries, ids)
            self.endResetModel()
            return
        if new == old:
            self._place(entries, ids)  # the same rows in the same places: only their values
            self._repaint_all()
            return
        self.layoutAboutToBeChanged.emit()
        where = {identity: position for position, identity in enumerate(new)}
        persistent = self.persistentIndexList()
        moved = [
            self.index(where[old[index.row()]], index.column())
            if 0 <= index.row() < len(old)
            else QModelIndex()
            for index in persistent
        ]
        self._place(entries, ids)
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _repaint_all(self) -> None:
        if self._entries:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._entries) - 1, len(COLUMNS) - 1)
            )

    def _rows_changed(self) -> None:
        self._haystacks = [_haystack(row) for row in self._controller.rows]
        self._relayout()

    def _row_changed(self, index: int) -> None:
        if index >= len(self._haystacks):
            return
        before = self._haystacks[index]
        self._haystacks[index] = _haystack(self._controller.rows[index])
        if self._haystacks[index] != before or self.grouped or self._sort[0] not in (1, 2, 3):
            # its status may move it (sorted by status, a filter on "down", a header's count)
            self._resort_soon.start()
        for position in self._positions.get(index, []):
            self.dataChanged.emit(self.index(position, 0), self.index(position, len(COLUMNS) - 1))
