"""How an outbound call went: the agent picks an outcome, which closes or reschedules the item.

Callbacks offer reached, not reached (try again later) and not reached (close); campaign contacts offer
their campaign's outcome codes. Escape leaves the choice for later (ctrl+y opens it again); no other item
is offered before it is given.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.desk.outbound import NO_ANSWER, OutboundItem, Outcome
from agent_tui.desk.outbound_items import REACHED
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen

RETRY_AFTER = timedelta(minutes=30)
"""A callback whose customer was not reached is offered again after this."""
CLOSE_UNREACHED = "not_reached"
OUTCOME_LABELS = {
    REACHED: "Reached: close the callback",
    NO_ANSWER: "Not reached: try again in 30 minutes",
    CLOSE_UNREACHED: "Not reached: close the callback",
}
"""A callback's outcomes as the agent reads them."""


def outcome_choices(item: OutboundItem, answered: bool) -> list[tuple[str, str]]:
    """(code, English label) the agent chooses from, the likeliest first (a campaign's call nobody
    answered: its `no_answer` first, as for callbacks, rather than its first code, e.g. `informed`)."""
    if item.outcomes:
        codes = list(item.outcomes)
        if not answered and NO_ANSWER in codes:
            codes.remove(NO_ANSWER)
            codes.insert(0, NO_ANSWER)
        return [(code, code) for code in codes]
    order = [REACHED, NO_ANSWER, CLOSE_UNREACHED] if answered else [NO_ANSWER, REACHED, CLOSE_UNREACHED]
    return [(code, OUTCOME_LABELS[code]) for code in order]


def outcome_for(code: str, now: datetime) -> Outcome:
    """The outcome of a choice (a retry is due `RETRY_AFTER` from `now`)."""
    if code == NO_ANSWER:
        return Outcome(NO_ANSWER, "not reached", retry_at=now + RETRY_AFTER)
    return Outcome(code)


class OutboundOutcomeScreen(DeskPanelScreen[str | None]):
    """Returns the chosen outcome code (None: later)."""

    def __init__(self, item: OutboundItem, answered: bool) -> None:
        super().__init__()
        self.item = item
        self.choices = outcome_choices(item, answered)

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Outcome of the call to {number}", number=clean(self.item.number, 40)),
                         classes="panel-title")
            own = bool(self.item.outcomes)  # a campaign's own codes are data, not our English
            yield OptionList(*[Option(clean(label, 60) if own else self.t.t(label), id=code)
                               for code, label in self.choices], id="outcomes", markup=False)
            yield Static(self.t.t("Enter chooses, Escape decides later"), classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """That outcome."""
        self.dismiss(event.option.id)
