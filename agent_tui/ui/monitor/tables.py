"""The wallboard's tables: agents (up to thousands of rows) and queues, updated cell by cell.

A repaint touches only the rows that changed, and in them only the cells whose text or level
changed; the table is rebuilt only after a snapshot or a new filter. Timers (time in state, talk
time, longest wait) tick once a second for the rows on screen only.

`DataTable.update_cell` throws away the rendering of every cell on screen (its caches are keyed by
an update counter), which costs about a millisecond per cell at each repaint. `commit()` instead
drops the cached renderings of the changed rows only, so a repaint renders what changed.

At 5,000 agents the DataTable's own row bookkeeping was the cost (bench/wallboard.py, see
docs/performance.md): `add_row` sets the cursor (a reactive, with watchers) per row, `remove_row` and
`sort` rebuild the whole row index per call, `sort` throws away every cached rendering, and every
added row is measured cell by cell on idle although widths and heights are fixed here. So the
agents table keeps its order itself, in a sorted list updated by bisection as rows change, and writes
rows in and out and the row index in one pass (`put_many`, `drop_many`, `_place`), repainting only the
lines on screen whose agent changed. All this uses DataTable internals of the pinned Textual version
and falls back to the public calls without them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import BindingType
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, Row, RowKey

from agent_tui.domain.supervision import AgentRow, QueuePanel
from agent_tui.ui.monitor.cells import (
    AGENT_COLUMNS,
    QUEUE_COLUMNS,
    Cell,
    CellMaker,
    Palette,
    agent_cell_fields,
)
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
                          "_row_renderable_cache", "_row_locations", "_ordered_row_cache", "_offset_cache",
                          "_new_rows", "_updated_cells", "_refresh_region"))

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
        # Looked up by line on screen (a few dozen), not by changed cell (thousands a second off screen).
        changed = {key for key, _c in cells}
        for row in range(first, min(first + height, self.row_count)):
            if self._row_locations.get_key(row) in changed:
                self._refresh_line(row)

    def _refresh_line(self, index: int) -> None:
        """Repaint line `index` if on screen. Every row is one line high, so its place is its index
        (`refresh_row` adds up the heights of every row above it: O(rows) per call)."""
        if not self._fast:
            self.refresh_row(index)
            return
        header = self.header_height if self.show_header else 0
        self._refresh_region(Region(0, header + index, max(self.size.width, self.virtual_size.width), 1))

    def drop(self, key: str) -> None:
        """Remove row `key` if shown."""
        if self.cells.pop(key, None) is not None:
            self._stale.discard(RowKey(key))
            self.remove_row(key)

    def put_many(self, rows: list[tuple[str, tuple[Cell, ...]]], removed: Iterable[str],
                 order: list[str]) -> None:
        """Add rows not shown yet and remove rows `removed`, in one pass; then rows are on the lines
        `order` gives (every key shown, in order; without the internals the caller sorts)."""
        if not self._fast:
            for key in removed:
                self.drop(key)
            for key, cells in rows:
                self.put(key, cells)
            return
        for key in removed:
            if self.cells.pop(key, None) is None:
                continue
            row_key = RowKey(key)
            for column in self._data.pop(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column))
            self.rows.pop(row_key, None)
            self._new_rows.discard(row_key)
            self._stale.add(row_key)  # its renderings may be cached
        columns = [ColumnKey(key) for key, _h, _w in self.COLUMNS]
        for key, cells in rows:
            row_key = RowKey(key)
            self._data[row_key] = dict(zip(columns, self._texts(cells), strict=True))
            self.rows[row_key] = Row(row_key, 1, None, False)
            # Not in `_new_rows`: DataTable would measure every cell of it on idle, for column widths and
            # row heights that are fixed here (8 cells x 5,000 rows took seconds after each snapshot).
            self._stale.add(row_key)  # a key shown before may have renderings cached
            self.cells[key] = cells
            self.updates += len(cells)
        self._locate(order)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate  # once, not once per row
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh(layout=True)
        self.check_idle()

    def _locate(self, order: list[str]) -> None:
        """The row index: row `order[i]` is on line i (fast path only)."""
        self._row_locations = TwoWayDict({RowKey(key): index for index, key in enumerate(order)})

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

    The order is `_order`, the sorted `sort_value`s of the rows shown (each ends with the username, so
    they are unique); a change moves one entry by bisection instead of sorting every row again.

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
        self._order: list[tuple[Any, ...]] = []
        self._value: dict[str, tuple[Any, ...]] = {}

    def rebuild(self, rows: Iterable[AgentRow], now: datetime) -> None:
        """Show `rows` (that pass the filter) from scratch, in order."""
        selected = self.current_key()
        self.reset()
        self.shown = {row.username: row for row in rows if self.filter.agent(row)}
        self._value = {username: sort_value(row, self.sort_key) for username, row in self.shown.items()}
        self._order = sorted(self._value.values())
        order = [value[-1] for value in self._order]
        self.put_many([(key, self.maker.agent(self.shown[key], now)) for key in order], (), order)
        self._stale.clear()
        self._stale_cells.clear()
        self._reselect(selected)

    def apply(self, changed: Iterable[str], rows: dict[str, AgentRow], now: datetime) -> int:
        """Repaint the changed agents; the number of rows touched."""
        before = self._on_screen()
        added: list[tuple[str, tuple[Cell, ...]]] = []
        removed: list[str] = []
        moved = False
        touched = 0
        for username in changed:
            row = rows.get(username)
            old = self._value.get(username)
            if row is None or not self.filter.agent(row):
                if old is not None:
                    self._unplace(old)
                    del self._value[username]
                    self.shown.pop(username, None)
                    removed.append(username)
                    touched += 1
                continue
            shown = self.shown.get(username)
            self.shown[username] = row
            if old is not None and shown is not None and agent_cell_fields(shown) == agent_cell_fields(row):
                continue  # same cells (the clock moves them on the tick), same place
            value = sort_value(row, self.sort_key)
            cells = self.maker.agent(row, now)
            if old is None:
                added.append((username, cells))
                insort(self._order, value)
            else:
                if old != value:
                    self._unplace(old)
                    insort(self._order, value)
                    moved = True
                self.put(username, cells)
            self._value[username] = value
            touched += 1
        selected = self.current_key() if (added or removed or moved) else None
        if added or removed:
            self.put_many(added, removed, [value[-1] for value in self._order])
        if added or removed or moved:
            self._place(before, selected)
        self.commit()
        return touched

    def _unplace(self, value: tuple[Any, ...]) -> None:
        index = bisect_left(self._order, value)
        if index < len(self._order) and self._order[index] == value:
            del self._order[index]

    def _on_screen(self) -> list[str]:
        first = int(self.scroll_y)
        height = max(self.scrollable_content_region.height, 1)
        return [value[-1] for value in self._order[first:first + height]]

    def _place(self, before: list[str], selected: str | None) -> None:
        """Rows where `_order` puts them; the lines on screen whose agent changed are repainted."""
        if not self._fast:
            self.sort("agent", key=lambda name: self._fallback_key(str(name)))
            self._reselect(selected)
            return
        self._locate([value[-1] for value in self._order])
        # Caches keyed by the update counter that map lines to rows; those keyed by row stay good.
        self._ordered_row_cache.clear()
        self._offset_cache.clear()
        self._line_cache.clear()
        first = int(self.scroll_y)
        for offset, username in enumerate(self._on_screen()):
            if offset >= len(before) or before[offset] != username:
                self._refresh_line(first + offset)
        if len(self._order) < first + len(before):
            self.refresh()  # rows left the bottom of the screen
        self._reselect(selected)

    def _fallback_key(self, name: str) -> tuple[Any, ...]:
        username = name.split(" ", 1)[0].lstrip("✋")
        return self._value.get(username, ("\uffff", username))

    def reorder(self) -> None:
        """Sort the rows by the current key, keeping the cursor on the same agent."""
        selected = self.current_key()
        self._value = {username: sort_value(row, self.sort_key) for username, row in self.shown.items()}
        self._order = sorted(self._value.values())
        if not self._fast:
            self._place([], selected)
            return
        self._locate([value[-1] for value in self._order])
        self._update_count += 1  # every line may show another agent now
        self.refresh()
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
