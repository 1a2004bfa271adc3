"""The wallboard's agents table: a line-API widget over `AgentLines`, for thousands of rows.

Each line on screen is drawn straight from its cells and the palette (no DataTable, no Rich rendering
per cell); the cells of a row are made only when its line is drawn; a change, a sort or a scroll paints
again only the lines on screen that show something else now. What is on which line, the cursor and which
lines to paint are `AgentLines` (agent_lines.py, no Textual); this widget draws them and turns keys and
clicks into cursor moves. It looks as the DataTable it replaces did: the same theme variables for the
heading, the cursor and the hover, and the cursor's colour over a cell's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agent_tui.domain.supervision import AgentRow
from agent_tui.ui.monitor.agent_lines import AgentLines
from agent_tui.ui.monitor.cells import AGENT_COLUMNS, Cell, CellMaker, Palette
from agent_tui.ui.monitor.model import AgentFilter, SortKey


@dataclass(frozen=True)
class _Frame:
    """The styles of one drawing pass (they follow the theme, the focus and the hover)."""

    base: Style
    header: Style
    cursor: Style
    hover: Style
    width: int


class AgentsTable(ScrollView, can_focus=True):
    """Every agent that passes the filter, in the chosen order, drawn line by line.

    | key | action |
    |---|---|
    | up/down, pgup/pgdn | move the cursor (the selected agent is the target of interventions) |
    | ctrl+home/ctrl+end, home/end | the first / the last agent |
    | enter | select the agent under the cursor (a click on the cursor's row too) |

    A click on a row puts the cursor there; a click on a heading asks to sort by it (`HeaderSelected`).
    """

    COLUMNS = AGENT_COLUMNS
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "agents--header", "agents--header-hover", "agents--cursor", "agents--hover"}
    # DataTable's look, from the same theme variables (the wallboard looked like this before).
    DEFAULT_CSS = """
    AgentsTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .agents--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .agents--header { background-tint: $foreground 5%; }
        }
        & > .agents--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .agents--header { background: ansi_bright_blue; color: ansi_default; }
        & > .agents--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .agents--header-hover { background: $accent 30%; }
        & > .agents--hover { background: $block-hover-background; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home,home", "scroll_top", "Top", show=False),
        Binding("ctrl+end,end", "scroll_bottom", "Bottom", show=False),
    ]

    class HeaderSelected(Message):
        """A heading was clicked."""

        def __init__(self, table: AgentsTable, column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

    class Selected(Message):
        """Enter (or a click) on the cursor's row."""

        def __init__(self, table: AgentsTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, maker: CellMaker, headings: Iterable[str]) -> None:
        super().__init__(id="agents")
        self.lines = AgentLines(maker)
        self._palette = Palette({})
        self._headings = list(headings)
        self._widths = [width for _k, _h, width in self.COLUMNS]
        self._table_width = sum(self._widths)
        self._hover: int | None = None
        """The line under the mouse (-1: the heading), None when the mouse is elsewhere or keys moved."""
        self._frame: _Frame | None = None
        self._cursor = 0
        """The cursor's line in this drawing pass."""
        self._styles: dict[tuple[str, bool, bool], Style] = {}
        self.virtual_size = Size(self._table_width, 1)

    # ---- what the wallboard screen and tests use -------------------------------------------------

    @property
    def palette(self) -> Palette:
        """The cells' styles (from the theme)."""
        return self._palette

    @palette.setter
    def palette(self, value: Palette) -> None:
        if value != self._palette:
            self._palette, self._styles = value, {}
            self.refresh()

    @property
    def sort_key(self) -> SortKey:
        """What the rows are ordered by."""
        return self.lines.sort_key

    @sort_key.setter
    def sort_key(self, value: SortKey) -> None:
        self.lines.sort_key = value

    @property
    def filter(self) -> AgentFilter:
        """Which agents show."""
        return self.lines.filter

    @filter.setter
    def filter(self, value: AgentFilter) -> None:
        self.lines.filter = value

    @property
    def shown(self) -> dict[str, AgentRow]:
        """The rows that pass the filter."""
        return self.lines.shown

    @property
    def cells(self) -> dict[str, tuple[Cell, ...]]:
        """The cells made for rows on screen."""
        return self.lines.cells

    @property
    def row_count(self) -> int:
        """Rows shown (on screen or not)."""
        return self.lines.count

    @property
    def cursor_row(self) -> int:
        """The cursor's line."""
        return self.lines.cursor

    def usernames(self) -> list[str]:
        """Every agent shown, in order."""
        return self.lines.usernames()

    def current_key(self) -> str | None:
        """The agent under the cursor."""
        return self.lines.cursor_key

    def get_row_index(self, key: str) -> int:
        """The line of agent `key` (KeyError when not shown)."""
        index = self.lines.index_of(key)
        if index is None:
            raise KeyError(key)
        return index

    def visible_keys(self) -> list[str]:
        """The agents on screen now."""
        self._sync_view()
        return self.lines.on_screen()

    def rebuild(self, rows: Iterable[AgentRow], now: datetime) -> None:
        """Show `rows` (that pass the filter) from scratch, in order."""
        self.lines.rebuild(rows, now)
        self._resized()
        self.refresh()

    def apply(self, changed: Iterable[str], rows: dict[str, AgentRow], now: datetime) -> int:
        """Take the changed agents; the number of lines painted again."""
        self._sync_view()
        lines = self.lines.apply(changed, rows, now)
        self._resized()
        self._paint(lines)
        return len(lines)

    def reorder(self) -> None:
        """Sort by the current key; the cursor stays on the same agent."""
        self.lines.reorder()
        self.refresh()

    def tick(self, now: datetime) -> None:
        """Advance the clock cells of the rows on screen."""
        self._sync_view()
        self._paint(self.lines.tick(now))

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        """Put the cursor on line `row`, and scroll to it unless `scroll` is False."""
        self._sync_view()
        self._paint(self.lines.move_cursor(row))
        if scroll:
            self._show_cursor()

    # ---- drawing --------------------------------------------------------------------------------

    def _rows_on_screen(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)  # the heading takes a line

    def _sync_view(self) -> None:
        self.lines.view(int(self.scroll_y), self._rows_on_screen())

    def _resized(self) -> None:
        size = Size(self._table_width, self.lines.count + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def _paint(self, lines: Iterable[int]) -> None:
        """Paint these lines again (those on screen: the others are drawn when scrolled to)."""
        first, height = self.lines.first, self.lines.height
        width = max(self.size.width, self._table_width)
        for line in lines:
            if first <= line < first + height:
                self.refresh(Region(0, 1 + line - first, width, 1))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolled: every line on screen is drawn again (only the rows new on screen get new cells)."""
        super().watch_scroll_y(old_value, new_value)
        self._sync_view()

    def on_resize(self, _event: events.Resize) -> None:
        """A new height shows other rows."""
        self._sync_view()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The styles of this pass are looked up once (they follow the theme, the focus, the hover)."""
        self._sync_view()
        get = self.get_component_rich_style
        frame = _Frame(self.rich_style, get("agents--header"), get("agents--cursor"), get("agents--hover"),
                       self.size.width)
        if frame != self._frame:
            self._frame, self._styles = frame, {}
        self._cursor = self.lines.cursor
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Line `y` of the widget: the heading, a row, or blank below the last row."""
        frame = self._frame
        assert frame is not None, "render_lines sets it"
        if y == 0:
            return self._heading_line(frame)
        line = self.lines.first + y - 1
        if line >= self.lines.count or self.lines.now is None:
            return Strip.blank(frame.width, frame.base)
        _key, cells = self.lines.line(line)
        cursor = line == self._cursor
        hover = line == self._hover
        pad = self._style("", cursor, hover)
        segments: list[Segment] = []
        for cell, width in zip(cells, self._widths, strict=True):
            text, blank = self.palette.parts(cell, width)
            if text:
                segments.append(Segment(text, self._style(cell[1], cursor, hover)))
            if blank:
                segments.append(Segment(blank, pad))
        if frame.width > self._table_width:
            segments.append(Segment(" " * (frame.width - self._table_width), pad))
        strip = Strip(segments, max(frame.width, self._table_width))
        scroll_x = int(self.scroll_x)
        return strip.crop(scroll_x, scroll_x + frame.width) if scroll_x or frame.width < self._table_width \
            else strip

    def _style(self, key: str, cursor: bool, hover: bool) -> Style:
        """A cell's style on its row: the row's (cursor, hover) under the cell's own; the cursor's
        colour wins over the cell's, as in DataTable."""
        made = self._styles.get((key, cursor, hover))
        if made is None:
            frame = self._frame
            assert frame is not None
            row = frame.base
            if hover:
                row += frame.hover
            if cursor:
                row += frame.cursor
            made = row + self.palette.style(key) if key else row
            if cursor and frame.cursor.color is not None:
                made += Style(color=frame.cursor.color)
            self._styles[(key, cursor, hover)] = made
        return made

    def _heading_line(self, frame: _Frame) -> Strip:
        style = frame.header
        if self._hover == -1:
            style += frame.hover + self.get_component_rich_style("agents--header-hover")
        text = "".join(set_cell_size(label, width) for label, width in zip(self._headings, self._widths,
                                                                          strict=True))
        strip = Strip([Segment(text, style), Segment(" " * max(frame.width - self._table_width, 0), style)])
        return strip.crop(int(self.scroll_x), int(self.scroll_x) + frame.width)

    # ---- keys and the mouse ------------------------------------------------------------------------

    def _show_cursor(self) -> None:
        """Scroll so that the cursor's line is on screen."""
        line, first, height = self.lines.cursor, self.lines.first, self.lines.height
        if line < first:
            self.scroll_to(y=line, animate=False, force=True, immediate=True)
        elif line >= first + height:
            self.scroll_to(y=line - height + 1, animate=False, force=True, immediate=True)

    def _keys_moved(self) -> None:
        if self._hover is not None:
            self._set_hover(None)

    def action_cursor_up(self) -> None:
        """The agent above."""
        self._keys_moved()
        self.move_cursor(row=self.lines.cursor - 1)

    def action_cursor_down(self) -> None:
        """The agent below."""
        self._keys_moved()
        self.move_cursor(row=self.lines.cursor + 1)

    def action_page_down(self) -> None:
        """A screenful down: the view and the cursor move together."""
        self._keys_moved()
        self._sync_view()
        page = self.lines.height
        self.scroll_to(y=self.lines.first + page, animate=False, force=True, immediate=True)
        self.move_cursor(row=self.lines.cursor + page, scroll=False)
        self._show_cursor()

    def action_page_up(self) -> None:
        """A screenful up."""
        self._keys_moved()
        self._sync_view()
        page = self.lines.height
        self.scroll_to(y=max(self.lines.first - page, 0), animate=False, force=True, immediate=True)
        self.move_cursor(row=self.lines.cursor - page, scroll=False)
        self._show_cursor()

    def action_scroll_top(self) -> None:
        """The first agent."""
        self._keys_moved()
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        """The last agent."""
        self._keys_moved()
        self.move_cursor(row=self.lines.count - 1)

    def action_select_cursor(self) -> None:
        """Say which agent is selected."""
        key = self.lines.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def _line_at(self, y: int) -> int | None:
        """The line at widget row `y` (-1: the heading; None: below the last row)."""
        if y == 0:
            return -1
        line = self.lines.first + y - 1
        return line if 0 <= line < self.lines.count else None

    def _set_hover(self, line: int | None) -> None:
        if line == self._hover:
            return
        old, self._hover = self._hover, line
        for value in (old, line):
            if value == -1:
                self.refresh(Region(0, 0, max(self.size.width, self._table_width), 1))
            elif value is not None:
                self._paint([value])

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The row under the mouse is lit."""
        offset = event.get_content_offset(self)
        self._sync_view()
        self._set_hover(self._line_at(offset.y) if offset is not None else None)

    def on_leave(self, _event: events.Leave) -> None:
        """The mouse left: no row is lit."""
        self._set_hover(None)

    def on_click(self, event: events.Click) -> None:
        """A heading sorts; a row takes the cursor (a second click selects it)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self._sync_view()
        line = self._line_at(offset.y)
        if line == -1:
            x = offset.x + int(self.scroll_x)
            edge = 0
            for (column, _h, width) in self.COLUMNS:
                edge += width
                if x < edge:
                    self.post_message(self.HeaderSelected(self, column))
                    break
            return
        if line is None:
            return
        event.stop()
        if line == self.lines.cursor:
            self.action_select_cursor()
        self.move_cursor(row=line)
