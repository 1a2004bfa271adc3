"""The agents table's lines, without any widget: which agent is on which line, the cells of the lines
on screen, the cursor, and which lines must be painted again after a change, a sort or a scroll.

At 5,000 agents and 1,000 changes a second nearly every changed row is off screen (a 120x40 terminal
shows 36 of them), so a row's cells are made only when its line is drawn (`line`) and are kept only
while it is on screen; a change off screen costs a dictionary update and, when the row moves in the
order, a bisection. The order is `_order`, the sorted `sort_value`s of the rows shown (each ends with
the username, so they are unique).

Lines are numbered from 0 (the first agent), not counting the table's heading.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agent_tui.domain.supervision import AgentRow
from agent_tui.ui.monitor.cells import Cell, CellMaker
from agent_tui.ui.monitor.model import AgentFilter, SortKey, agent_cell_fields, sort_value


class AgentLines:
    """The rows that pass the filter, in the chosen order, with a viewport and a cursor."""

    def __init__(self, maker: CellMaker) -> None:
        self.maker = maker
        self.sort_key = SortKey.NAME
        self.filter = AgentFilter()
        self.shown: dict[str, AgentRow] = {}
        """The rows that pass the filter, by username."""
        self.cells: dict[str, tuple[Cell, ...]] = {}
        """Cells made for rows on screen (dropped when a row changes or leaves the screen)."""
        self.made = 0
        """Rows whose cells were made since start (tests and the benchmark read it)."""
        self.first = 0
        """The line at the top of the screen."""
        self.height = 1
        """Lines on screen."""
        self.now: datetime | None = None
        """The clock the cells are made with (the last change, snapshot or tick)."""
        self._order: list[tuple[Any, ...]] = []
        self._value: dict[str, tuple[Any, ...]] = {}
        self._cursor: str | None = None
        self._cursor_line = 0

    # ---- reading ------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Rows shown."""
        return len(self._order)

    def key_at(self, line: int) -> str:
        """The username on `line`."""
        return str(self._order[line][-1])

    def usernames(self) -> list[str]:
        """Every username shown, in order."""
        return [str(value[-1]) for value in self._order]

    def index_of(self, key: str) -> int | None:
        """The line of `key`, None when not shown."""
        value = self._value.get(key)
        if value is None:
            return None
        return bisect_left(self._order, value)

    def on_screen(self) -> list[str]:
        """The usernames on screen, top first."""
        return [str(value[-1]) for value in self._order[self.first:self.first + self.height]]

    def line(self, line: int) -> tuple[str, tuple[Cell, ...]]:
        """The username and cells of `line` (the cells are made now if not made yet)."""
        key = self.key_at(line)
        cells = self.cells.get(key)
        if cells is None:
            cells = self.cells[key] = self.row_cells(key)
            self.made += 1
        return key, cells

    def row_cells(self, key: str) -> tuple[Cell, ...]:
        """The cells of `key`'s row at the table's clock, whether on screen or not (kept nowhere)."""
        assert self.now is not None, "cells are made after the first snapshot"
        return self.maker.agent(self.shown[key], self.now)

    # ---- the cursor ---------------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        """The cursor's line (0 when nothing is shown)."""
        if self._cursor is not None:
            index = self.index_of(self._cursor)
            if index is not None:
                return index
        return min(self._cursor_line, max(self.count - 1, 0))

    @property
    def cursor_key(self) -> str | None:
        """The username under the cursor."""
        return self.key_at(self.cursor) if self._order else None

    def move_cursor(self, line: int) -> set[int]:
        """Put the cursor on `line` (kept within the rows); the lines to paint again."""
        before = self.cursor
        line = max(0, min(line, self.count - 1))
        self._cursor_line = line
        self._cursor = self.key_at(line) if self._order else None
        return {before, line} if before != line else set()

    def _settle_cursor(self) -> None:
        """The cursor follows its agent; when the agent is gone it stays on its line (as DataTable's)."""
        if self._cursor is not None and self._cursor in self._value:
            self._cursor_line = self.cursor
        else:
            self._cursor_line = min(self._cursor_line, max(self.count - 1, 0))
            self._cursor = self.key_at(self._cursor_line) if self._order else None

    # ---- the viewport -------------------------------------------------------------------------

    def view(self, first: int, height: int) -> bool:
        """The screen shows `height` lines from `first`; True when that changed. Cells of rows that left
        the screen are dropped: their clocks stop on the tick, so they are made again when back."""
        height = max(height, 1)
        if (first, height) == (self.first, self.height):
            return False
        self.first, self.height = first, height
        keep = set(self.on_screen())
        for key in [key for key in self.cells if key not in keep]:
            del self.cells[key]
        return True

    # ---- changes ------------------------------------------------------------------------------

    def rebuild(self, rows: Iterable[AgentRow], now: datetime) -> None:
        """Show `rows` (that pass the filter) from scratch, in order; every line is painted again."""
        self.now = now
        self.shown = {row.username: row for row in rows if self.filter.agent(row)}
        self.cells.clear()
        self._cursor_line = 0 if self._cursor not in self.shown else self._cursor_line
        self.reorder()

    def reorder(self) -> None:
        """Sort by the current key (every line is painted again); the cursor stays on its agent."""
        self._value = {username: sort_value(row, self.sort_key) for username, row in self.shown.items()}
        self._order = sorted(self._value.values())
        self.cells = {key: cells for key, cells in self.cells.items() if key in self._value}
        self._settle_cursor()

    def apply(self, changed: Iterable[str], rows: dict[str, AgentRow], now: datetime) -> set[int]:
        """Take the changed agents from `rows`; the lines on screen to paint again (those whose agent
        changed what it shows, and those that show another agent now)."""
        self.now = now
        before = self.on_screen()
        dirty: set[str] = set()
        for username in changed:
            row = rows.get(username)
            old = self._value.get(username)
            if row is None or not self.filter.agent(row):
                if old is not None:
                    self._unplace(old)
                    del self._value[username]
                    self.shown.pop(username, None)
                    self.cells.pop(username, None)
                continue
            shown = self.shown.get(username)
            self.shown[username] = row
            if old is not None and shown is not None and agent_cell_fields(shown) == agent_cell_fields(row):
                continue  # same cells (the clock moves them on the tick), same place
            value = sort_value(row, self.sort_key)
            if old != value:
                if old is not None:
                    self._unplace(old)
                insort(self._order, value)
                self._value[username] = value
            self.cells.pop(username, None)  # made again when its line is drawn
            dirty.add(username)
        self._settle_cursor()
        after = self.on_screen()
        return {self.first + offset for offset, key in enumerate(after)
                if key in dirty or offset >= len(before) or before[offset] != key} | {
            self.first + offset for offset in range(len(after), len(before))}

    def tick(self, now: datetime) -> set[int]:
        """Advance the clock of the rows on screen; the lines whose cells changed."""
        self.now = now
        lines: set[int] = set()
        for offset, key in enumerate(self.on_screen()):
            cells = self.maker.agent(self.shown[key], now)
            if self.cells.get(key) != cells:
                if key in self.cells:
                    lines.add(self.first + offset)
                self.cells[key] = cells
                self.made += 1
        return lines

    def _unplace(self, value: tuple[Any, ...]) -> None:
        index = bisect_left(self._order, value)
        if index < len(self._order) and self._order[index] == value:
            del self._order[index]
