"""The wallboard's tables: agents (up to thousands of rows) and queues, updated cell by cell.

A repaint touches only the rows that changed, and in them only the cells whose text or level
changed; the table is rebuilt only after a snapshot or a new filter. Timers (time in state, talk
time, longest wait) tick once a second for the rows on screen only.

`DataTable.update_cell` throws away the rendering of every cell on screen (its caches are keyed by
an update counter), which costs about a millisecond per cell at each repaint. `commit()` instead
drops the cached renderings of the changed rows only, so a repaint renders what changed. It uses
DataTable internals of the pinned Textual version and falls back to `update_cell` without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from agent_tui.domain.supervision import AgentRow, QueuePanel
from agent_tui.ui.monitor.cells import AGENT_COLUMNS, QUEUE_COLUMNS, Cell, CellMaker, Palette
from agent_tui.ui.monitor.model import AgentFilter, SortKey, sort_value

TIME_COLUMNS = (4, 6)
"""Indexes of the agents-table cells that change with the clock alone."""


class _CellTable(DataTable[Text]):
    """A DataTable keyed by our own keys that remembers the cells it shows, to update only changes."""

    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]] = ()

    def __init__(self, headings: Iterable[str], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self._headings = list(headings)
        self.palette = Palette({})
        self.cells: dict[str, tuple[Cell, ...]] = {}
        self.updates = 0
        """Cells written since start (tests and the benchmark read it)."""
        self._stale: set[RowKey] = set()
        self._stale_cells: list[tuple[RowKey, int]] = []
        self._fast = all(hasattr(self, name) for name in
                         ("_data", "_cell_render_cache", "_row_render_cache", "_line_cache",
                          "_row_renderable_cache"))

    def on_mount(self) -> None:
        """Fixed column widths: nothing is measured again when a value changes."""
        for (key, _heading, width), label in zip(self.COLUMNS, self._headings, strict=True):
            self.add_column(label, width=width, key=key)

    def _texts(self, cells: tuple[Cell, ...]) -> list[Text]:
        widths = [width for _k, _h, width in self.COLUMNS]
        return [self.palette.text(cell, width) for cell, width in zip(cells, widths, strict=True)]

    def put(self, key: str, cells: tuple[Cell, ...]) -> bool:
        """Show `cells` in row `key` (added if new); True when the row was added."""
        old = self.cells.get(key)
        if old is None:
            self.add_row(*self._texts(cells), key=key)
            self.cells[key] = cells
            self.updates += len(cells)
            return True
        if old == cells:
            return False
        row_key = RowKey(key)
        for index, (before, after) in enumerate(zip(old, cells, strict=True)):
            if before != after:
                column, _h, width = self.COLUMNS[index]
                value = self.palette.text(after, width)
                if self._fast:
                    self._data[row_key][ColumnKey(column)] = value
                    self._stale_cells.append((row_key, index))
                else:
                    self.update_cell(key, column, value)
                self.updates += 1
        self._stale.add(row_key)
        self.cells[key] = cells
        return False

    def commit(self) -> None:
        """Repaint the rows changed since the last commit (only their cached renderings are dropped)."""
        if not self._stale:
            return
        stale, self._stale = self._stale, set()
        cells, self._stale_cells = self._stale_cells, []
        if not self._fast:
            return
        caches: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
        for cache in caches:
            for cache_key in [k for k in cache.keys() if k[0] in stale]:  # noqa: SIM118 - an LRUCache
                cache.discard(cache_key)
        self._line_cache.clear()
        self._row_renderable_cache.clear()  # cell values per row: cheap to fetch again
        # Only the lines of changed rows on screen are repainted (the terminal gets those lines only).
        first = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        lines = sorted({row for row in (self.get_row_index(k) for k, _c in cells if k in self._row_locations)
                        if first <= row < first + height})
        for row in lines:
            self.refresh_row(row)

    def drop(self, key: str) -> None:
        """Remove row `key` if shown."""
        if self.cells.pop(key, None) is not None:
            self._stale.discard(RowKey(key))
            self.remove_row(key)

    def reset(self) -> None:
        """Remove every row."""
        self.clear()
        self.cells.clear()
        self._stale.clear()
        self._stale_cells.clear()

    def visible_keys(self) -> list[str]:
        """Keys of the rows on screen now."""
        first = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        rows = self.ordered_rows
        return [str(rows[i].key.value) for i in range(first, min(first + height, len(rows)))]

    def current_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None


class AgentsTable(_CellTable):
    """Every agent that passes the filter, in the chosen order.

    | key | action |
    |---|---|
    | up/down, pgup/pgdn | move the cursor (the selected agent is the target of interventions) |
    """

    COLUMNS = AGENT_COLUMNS
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, maker: CellMaker, headings: Iterable[str]) -> None:
        super().__init__(headings, id="agents")
        self.maker = maker
        self.shown: dict[str, AgentRow] = {}
        self.sort_key = SortKey.NAME
        self.filter = AgentFilter()
        self._owner: dict[int, str] = {}
        self._name_id: dict[str, int] = {}

    def _sort_key(self, name_cell: Text) -> tuple[object, ...]:
        username = self._owner.get(id(name_cell), "")
        row = self.shown.get(username)
        return sort_value(row, self.sort_key) if row is not None else ("\uffff", username)

    def _remember(self, key: str) -> None:
        # The name cell shown is alive while shown, so its id is unique; a replaced one is forgotten.
        if key not in self.cells:
            return
        new = id(self.get_cell(key, "agent"))
        old = self._name_id.get(key)
        if old != new:
            if old is not None:
                self._owner.pop(old, None)
            self._owner[new] = key
            self._name_id[key] = new

    def _forget(self, key: str) -> None:
        old = self._name_id.pop(key, None)
        if old is not None:
            self._owner.pop(old, None)

    def rebuild(self, rows: Iterable[AgentRow], now: datetime) -> None:
        """Show `rows` (that pass the filter) from scratch, in order."""
        selected = self.current_key()
        self.reset()
        self._owner.clear()
        self._name_id.clear()
        self.shown = {}
        for row in sorted((r for r in rows if self.filter.agent(r)),
                          key=lambda r: sort_value(r, self.sort_key)):
            self.shown[row.username] = row
            self.put(row.username, self.maker.agent(row, now))
            self._remember(row.username)
        self._stale.clear()
        self._stale_cells.clear()
        self._reselect(selected)

    def apply(self, changed: Iterable[str], rows: dict[str, AgentRow], now: datetime) -> int:
        """Repaint the changed agents; the number of rows touched."""
        added = moved = False
        touched = 0
        for username in changed:
            row = rows.get(username)
            if row is None or not self.filter.agent(row):
                if username in self.cells:
                    self._forget(username)
                    self.drop(username)
                    self.shown.pop(username, None)
                    touched += 1
                continue
            before = self.shown.get(username)
            self.shown[username] = row
            if before is not None and sort_value(before, self.sort_key) != sort_value(row, self.sort_key):
                moved = True
            if self.put(username, self.maker.agent(row, now)):
                added = True
            self._remember(username)
            touched += 1
        if added or moved:
            self.reorder()
        self.commit()
        return touched

    def reorder(self) -> None:
        """Sort the rows by the current key, keeping the cursor on the same agent."""
        selected = self.current_key()
        self.sort("agent", key=self._sort_key)
        self._reselect(selected)

    def _reselect(self, key: str | None) -> None:
        if key is not None and key in self.cells:
            index = self.get_row_index(key)
            if index != self.cursor_row:
                self.move_cursor(row=index, scroll=False)

    def tick(self, now: datetime) -> None:
        """Advance the clock cells of the rows on screen."""
        for key in self.visible_keys():
            row = self.shown.get(key)
            if row is not None:
                self.put(key, self.maker.agent(row, now))
                self._remember(key)
        self.commit()


class QueuesTable(_CellTable):
    """Every queue (that passes the filter) with its live figures over the chosen window."""

    COLUMNS = QUEUE_COLUMNS

    def __init__(self, maker: CellMaker, headings: Iterable[str]) -> None:
        super().__init__(headings, id="queues")
        self.maker = maker
        self.today = True
        """Figures of today (else of the current half hour)."""
        self.filter = AgentFilter()

    def show(self, panels: Iterable[QueuePanel], now: datetime, *, full: bool = False) -> None:
        """Repaint these queues (all of them from scratch when `full`)."""
        if full:
            self.reset()
        for panel in sorted(panels, key=lambda p: p.queue):
            if not self.filter.queue_panel(panel):
                self.drop(panel.queue)
                continue
            window = panel.today if self.today else panel.half_hour
            self.put(panel.queue, self.maker.queue(panel, window, now))
        self.commit()
