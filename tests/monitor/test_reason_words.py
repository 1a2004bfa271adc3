"""Not Ready reasons the system sets itself (`missed_call`, `phone_offline`) on the monitor.

Before: an agent whose call rang out showed `missed_call` raw in the wallboard's Reason column (in
Chinese too), and F7 offered `missed_call`, untranslated, as a reason a supervisor could force.
"""

from __future__ import annotations

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.i18n import Translator
from agent_tui.ui.common.reason import force_reasons
from agent_tui.ui.monitor.cells import CellMaker
from agent_tui.ui.monitor.options import Thresholds
from tests.monitor.doubles import agent_row


def test_a_missed_call_reads_as_words_in_the_reason_column() -> None:
    row = agent_row(1, AgentStateName.NOT_READY, reason="missed_call")
    for language, words in (("en", "Missed call"), ("zh", "未接来电")):
        cells = CellMaker(Translator(language), Thresholds()).agent(row, utc_now())
        texts = [cell[0] for cell in cells]
        assert words in texts
        assert "missed_call" not in texts


def test_reasons_the_system_sets_are_not_offered_to_force() -> None:
    assert force_reasons(["break", "missed_call", "phone_offline", "meal", "site_visit"]) == [
        "break", "meal", "site_visit"]
