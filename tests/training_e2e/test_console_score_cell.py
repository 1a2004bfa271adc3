"""The score a trainee got reads the same whichever report comes last: the backend's result ("100 ✓", with
the pass mark) is not overwritten by the desk's own end-of-call report ("100/100"), which was cut to
"100/10" at 80 columns; and the score column is wide enough for either at every width."""

from __future__ import annotations

from agent_tui.ui.train.console_layout import layout_for
from agent_tui.ui.train.roster import Roster
from tests.training_e2e.test_console import trainee


def test_the_result_is_kept_when_the_desk_reports_the_end_after_it() -> None:
    roster = Roster()
    roster.update([trainee("agent02", "sip:a@b")])
    row = roster.rows["agent02"]
    row.start("s", "S", "att-1")
    base = {"trainee": "agent02", "attempt_id": "att-1"}
    roster.progress({**base, "type": "result", "total": 100, "passed": True})
    roster.progress({**base, "type": "progress", "kind": "finished", "detail": "100/100"})
    assert row.score == "100 ✓"
    row.start("s", "S", "att-2")
    second = {**base, "attempt_id": "att-2"}
    roster.progress({**second, "type": "progress", "kind": "finished", "detail": "40/100"})
    assert row.score == "40/100"
    roster.progress({**second, "type": "result", "total": 40, "passed": False})
    assert row.score == "40 ✗"


def test_the_score_column_holds_a_full_mark_at_every_width() -> None:
    for width in (80, 100, 120, 160):
        assert layout_for(width).width_of("score") >= len("100/100")
