"""The wallboard's queues table (a handful of rows), updated cell by cell; the agents table is
agents_table.py.

`DataTable.update_cell` throws away the rendering of every cell on screen (its caches are keyed by an
update counter), so `commit()` drops the cached renderings of the changed rows only, using DataTable
internals of the pinned Textual version, and falls back to the public calls without them. The longest
wait ticks once a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from agent_tui.domain.supervision import QueuePanel
from agent_tui.ui.monitor.cells import QUEUE_COLUMNS, Cell, CellMaker, Palette
from agent_tui.ui.monitor.model import AgentFilter


class _CellTable(DataTable[Text]):
    """A DataTable keyed by our own keys that remembers the cells it shows, to update only changes."""

    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]] = ()

    def __init__(self, headings: Iterable[str], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self._headings = list(headings)
        self.palette = Palette({})
        self.cells: dict[str, tuple[Cell, ...]] = {}
        self.updates = 0
        """Cells written since start (tests read it)."""
        self._stale: set[RowKey] = set()
        self._fast = all(hasattr(self, name) for name in
                         ("_data", "_cell_render_cache", "_row_render_cache", "_line_cache",
                          "_row_renderable_cache", "_row_locations", "_refresh_region"))

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
        if not self._fast:
            return
        caches: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
        for cache in caches:
            for cache_key in [k for k in cache.keys() if k[0] in stale]:  # noqa: SIM118 - an LRUCache
                cache.discard(cache_key)
        self._line_cache.clear()
        self._row_renderable_cache.clear()  # cell values per row: cheap to fetch again
        header = self.header_height if self.show_header else 0
        width = max(self.size.width, self.virtual_size.width)
        for row_key in stale:  # every row is one line high, so its place is its index
            index = self._row_locations.get(row_key)
            if index is not None:
                self._refresh_region(Region(0, header + index, width, 1))

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
