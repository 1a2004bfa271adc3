"""This session's calls: time, number, customer, talk time, outcome, pop latency."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from agent_tui.desk.calls import CallSession
from agent_tui.ui.common.outcomes import outcome_label
from agent_tui.ui.common.text import clean, duration, fit
from agent_tui.ui.common.urgency import is_urgent, urgent_text
from agent_tui.ui.desk.desk_panel import DeskPanelScreen


class HistoryScreen(DeskPanelScreen[None]):
    """A read-only list."""

    def __init__(self, calls: list[CallSession]) -> None:
        super().__init__()
        self.calls = calls

    def compose(self) -> ComposeResult:
        t = self.t.t
        # One row per call, never wrapped: what matters first (the URGENT mark, the number, how it
        # ended), the pop latency last, where a narrow terminal cuts it with an ellipsis.
        table = Text(no_wrap=True, overflow="ellipsis")
        if not self.calls:
            table.append(t("No calls yet."))
        for call in reversed(self.calls):
            when = call.offered_at.astimezone().strftime("%H:%M")
            name = call.customer.name if call.customer else call.display
            table.append(f"{when} {'←' if call.direction.value == 'inbound' else '→'} ")
            if any(is_urgent(pending.ticket.priority) for pending in call.tickets):
                table.append(urgent_text(self.t), style="bold reverse")
                table.append(" ")
            table.append(fit(clean(call.number, 20), 14), style="bold")
            table.append(" " + fit(clean(name, 40), 12))
            table.append(f" {duration(call.talk_s())}")
            marks = []
            if call.end_reason and call.answered_at is not None:
                marks.append(outcome_label(self.t, call.end_reason))
            if call.wrapped_up:
                marks.append(t("wrapped up"))
            elif call.answered_at is None:
                marks.append(t("missed"))
            table.append("  " + " · ".join(marks) if marks else "")
            if call.pop_latency_ms is not None:
                table.append(f"  {t('pop')} {call.pop_latency_ms:.0f} ms")
            table.append("\n")
        with Vertical(classes="panel"):
            yield Static(t("Calls this session"), classes="panel-title")
            with VerticalScroll():
                yield Static(table, id="history-table")
