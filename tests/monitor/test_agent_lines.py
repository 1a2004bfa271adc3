"""The agents table's lines without Textual: which lines are painted again after a change, a sort, a
scroll and a tick, and that rows off screen get cells only when they scroll into view; and which events
the wallboard's model counts as changes to paint."""

from __future__ import annotations

import random
from datetime import timedelta

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import AgentRow
from agent_tui.i18n import Translator
from agent_tui.ui.monitor.agent_lines import AgentLines
from agent_tui.ui.monitor.cells import CellMaker
from agent_tui.ui.monitor.model import AgentFilter, SortKey, WallboardModel, sort_value
from agent_tui.ui.monitor.options import Thresholds
from tests.monitor.doubles import agent_row, rows_event, snapshot

NOW = utc_now()


def table(agents: int = 100, height: int = 10) -> tuple[AgentLines, dict[str, AgentRow]]:
    """`agents` Ready agents by name, 10 lines on screen from the top, every line on screen drawn."""
    lines = AgentLines(CellMaker(Translator("en"), Thresholds()))
    rows = {row.username: row for row in (agent_row(i, since=NOW) for i in range(1, agents + 1))}
    lines.rebuild(rows.values(), NOW)
    lines.view(0, height)
    draw(lines)
    return lines, rows


def draw(lines: AgentLines) -> None:
    """What the widget does for each line on screen."""
    for line in range(lines.first, min(lines.first + lines.height, lines.count)):
        lines.line(line)


def change(rows: dict[str, AgentRow], i: int, **update: object) -> str:
    row = rows[f"agent{i:04d}"] = rows[f"agent{i:04d}"].model_copy(update=update)
    return row.username


def test_a_change_off_screen_paints_nothing_and_makes_no_cells() -> None:
    lines, rows = table()
    made = lines.made
    assert lines.made == 10  # only the lines on screen were drawn
    painted = lines.apply([change(rows, 50, state=AgentStateName.ON_CALL)], rows, NOW)
    assert painted == set()
    assert lines.made == made
    assert "agent0050" not in lines.cells


def test_a_change_on_screen_paints_its_line_only() -> None:
    lines, rows = table()
    painted = lines.apply([change(rows, 3, state=AgentStateName.NOT_READY, reason="break")], rows, NOW)
    assert painted == {2}
    assert "agent0003" not in lines.cells  # made again when line 2 is drawn
    key, cells = lines.line(2)
    assert key == "agent0003"
    assert cells[2][1] == "state-not_ready"
    # A row whose figures alone changed shows the same cells: nothing to paint.
    assert lines.apply([change(rows, 4, time_in_state_s=99.0)], rows, NOW) == set()


def test_a_row_moving_into_the_screen_paints_the_lines_it_shifts() -> None:
    lines, rows = table()
    lines.sort_key = SortKey.TIME
    lines.reorder()
    lines.view(0, 10)
    draw(lines)
    top = lines.on_screen()
    # agent0050 is now the longest in its state: it moves to the first line, the others shift down.
    painted = lines.apply([change(rows, 50, since=NOW - timedelta(hours=1))], rows, NOW)
    assert painted == set(range(10))
    assert lines.on_screen() == ["agent0050", *top[:9]]
    # It goes back below the screen: every line shifts up again.
    painted = lines.apply([change(rows, 50, since=NOW + timedelta(hours=1))], rows, NOW)
    assert painted == set(range(10))
    assert lines.on_screen() == top


def test_a_filter_removing_a_row_on_screen_paints_from_its_line_down() -> None:
    lines, rows = table(agents=12)
    lines.filter = AgentFilter(state=AgentStateName.READY)
    lines.rebuild(rows.values(), NOW)
    draw(lines)
    painted = lines.apply([change(rows, 5, state=AgentStateName.ACW)], rows, NOW)
    assert painted == set(range(4, 10))
    assert "agent0005" not in lines.usernames()
    assert lines.count == 11
    # Back in: the same lines again.
    assert lines.apply([change(rows, 5, state=AgentStateName.READY)], rows, NOW) == set(range(4, 10))
    # Near the end, a row leaving blanks the line below the last row.
    lines.view(5, 10)
    draw(lines)
    painted = lines.apply([change(rows, 12, state=AgentStateName.ACW)], rows, NOW)
    assert painted == {11}


def test_a_scroll_makes_cells_for_the_rows_scrolled_into_view_only() -> None:
    lines, _rows = table()
    assert set(lines.cells) == {f"agent{i:04d}" for i in range(1, 11)}
    assert lines.view(5, 10)
    made = lines.made
    draw(lines)
    assert lines.made == made + 5  # agent0011..0015: the others were made already
    assert set(lines.cells) == {f"agent{i:04d}" for i in range(6, 16)}  # those that left were dropped
    assert not lines.view(5, 10)


def test_a_sort_keeps_the_cursor_on_its_agent_and_the_order_matches_a_full_sort() -> None:
    lines, rows = table()
    lines.move_cursor(7)
    assert lines.cursor_key == "agent0008"
    rng = random.Random(5)
    states = list(AgentStateName)
    for sort_key in (SortKey.STATE, SortKey.TIME, SortKey.TEAM, SortKey.NAME):
        lines.sort_key = sort_key
        lines.reorder()
        for _ in range(5):
            changed = [change(rows, i, state=rng.choice(states), team=rng.choice(("A", "B")),
                              since=NOW - timedelta(seconds=rng.randint(0, 900)))
                       for i in rng.sample(range(1, 101), 30)]
            lines.apply(changed, rows, NOW)
        expected = [row.username for row in sorted(rows.values(), key=lambda r: sort_value(r, sort_key))]
        assert lines.usernames() == expected
        assert lines.cursor_key == "agent0008"
        assert lines.cursor == expected.index("agent0008")


def test_the_cursor_stays_on_its_line_when_its_agent_leaves() -> None:
    lines, rows = table()
    lines.filter = AgentFilter(team="A")
    lines.rebuild(rows.values(), NOW)
    assert lines.move_cursor(3) == {0, 3}
    assert lines.cursor_key == "agent0007"
    lines.apply([change(rows, 7, team="B")], rows, NOW)
    assert lines.cursor == 3
    assert lines.cursor_key == "agent0009"


def test_the_tick_paints_lines_whose_clock_moved() -> None:
    lines, rows = table()
    change(rows, 2, state=AgentStateName.ON_CALL, call_id="c1", call_number="138", call_started=NOW)
    lines.apply(["agent0002"], rows, NOW)
    draw(lines)
    assert lines.tick(NOW) == set()
    assert lines.tick(NOW + timedelta(seconds=1)) == set(range(10))  # every "Time" cell moved
    assert lines.cells["agent0002"][6][0] == "0:01"


def state_event(event_id: int, username: str, state: str, **extra: object) -> Event:
    """An `agent_state` event as the backend records it."""
    return Event(id=event_id, kind=EventKind.AGENT_STATE, at=NOW,
                 data={"username": username, "display_name": "x", "role": "agent",
                       "state": {"state": state, "since": NOW.isoformat(), **extra}})


def test_the_model_paints_only_rows_whose_shown_fields_changed() -> None:
    model = WallboardModel()
    model.apply_snapshot(snapshot(agents=3))
    model.take_changes()
    # The desk's state change first, then the backend's row with it and new figures: one change only.
    assert model.apply_event(state_event(1, "agent0002", "not_ready", reason="break"))
    assert model.take_changes().agents == {"agent0002"}
    row = model.agents["agent0002"].model_copy(update={"time_in_state_s": 5.0})
    assert model.apply_event(rows_event(2, [row, agent_row(9)]))
    changes = model.take_changes()
    assert changes.agents == {"agent0009"}  # new on the board; agent0002 shows the same cells
    assert model.agents["agent0002"].time_in_state_s == 5.0  # its figures are kept (the floor line)


def test_the_model_skips_state_events_of_agents_not_on_the_board_without_validating_them() -> None:
    model = WallboardModel()
    model.apply_snapshot(snapshot(agents=3))
    model.take_changes()
    # Not on the board: no change, however the rest of it looks (validating it would change nothing).
    assert not model.apply_event(state_event(1, "trainer01", "ready"))
    assert not model.apply_event(state_event(2, "trainer01", "no such state"))
    assert model.skipped == 0
    assert model.take_changes().empty
    # On the board, the event is validated as before: a bad one is skipped and counted.
    assert not model.apply_event(state_event(3, " agent0001 ", "no such state"))
    assert model.skipped == 1
    assert model.apply_event(state_event(4, " agent0001 ", "acw"))
    assert model.agents["agent0001"].state == AgentStateName.ACW
