"""Which columns the trainer's console table shows at a given terminal width, and how wide each is.

Plain Python (no widgets), so tests check the widths directly. At 120 columns the table shows everything
as before; on a thin terminal (80x24) the scenario column narrows, the step and the fields share one
column, and what the caller said last leaves the table for a line under it (the highlighted trainee's),
so no column is cut off at the edge. The mark is a dot before the trainee's name at every width.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL_PADDING = 1
"""Blank cells on each side of a column (the table's `cell_padding`)."""
SCROLLBAR = 2
"""Kept free on the right for the table's vertical scrollbar (shown once the trainees outnumber the rows)."""
MIN_LINE = 20
"""The caller's line gets its own column only when at least this wide; narrower, it goes under the table."""


@dataclass(frozen=True)
class Column:
    """One column of the trainee table."""

    key: str
    label: str
    """English heading (translated when drawn)."""
    width: int


@dataclass(frozen=True)
class ConsoleLayout:
    """The columns for one terminal width."""

    columns: tuple[Column, ...]
    line_below: bool
    """The caller's last line is shown under the table (for the highlighted trainee), not in a column."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The column keys, left to right."""
        return tuple(column.key for column in self.columns)

    @property
    def step_with_fields(self) -> bool:
        """The fields filled are shown after the step, in the step's column."""
        return "fields" not in self.keys

    def width_of(self, key: str) -> int:
        """The width of column `key` (0 when it is not shown)."""
        return next((column.width for column in self.columns if column.key == key), 0)

    @property
    def drawn_width(self) -> int:
        """Cells the table needs across, padding included."""
        return sum(column.width + 2 * CELL_PADDING for column in self.columns)


_WIDE = (Column("trainee", "Trainee", 11), Column("state", "State", 9), Column("scenario", "Scenario", 22),
         Column("call", "Call", 9), Column("step", "Step", 12), Column("fields", "Fields", 6),
         Column("score", "Score", 7))
_NARROW = (Column("trainee", "Trainee", 11), Column("state", "State", 9), Column("scenario", "Scenario", 16),
           Column("call", "Call", 9), Column("step", "Step", 14), Column("score", "Score", 7))


def layout_for(width: int) -> ConsoleLayout:
    """The widest layout that fits `width` terminal cells: every column when there is room, then the
    narrow one with the caller's line in the rest, then the narrow one with the line under the table."""
    free = width - SCROLLBAR
    for fixed in (_WIDE, _NARROW):
        used = sum(column.width + 2 * CELL_PADDING for column in fixed)
        line = free - used - 2 * CELL_PADDING
        if line >= MIN_LINE:
            return ConsoleLayout((*fixed, Column("line", "Caller said", line)), line_below=False)
    return ConsoleLayout(_NARROW, line_below=True)
