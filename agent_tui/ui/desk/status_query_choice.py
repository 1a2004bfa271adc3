"""Several orders match a status query: the agent chooses the caller's by keys (arrows, Enter)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.ticket import Ticket
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen


class OrderChoiceScreen(DeskPanelScreen[int | None]):
    """Returns the index of the chosen order among `matches` (None: Escape, none of them)."""

    def __init__(self, matches: list[Ticket]) -> None:
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Orders found: {count}", count=len(self.matches)), classes="panel-title")
            listing = OptionList(id="order-matches")
            for index, ticket in enumerate(self.matches):
                when = ticket.created_at.astimezone().strftime("%m-%d %H:%M")
                status = t(ticket.status.value.replace("_", " ").capitalize())
                kind = t(ticket.ticket_type.value.capitalize())
                listing.add_option(Option(Content.assemble(
                    (clean(ticket.number, 32), "bold"), f"  {when}  {kind}  {status}  ",
                    clean(ticket.subject, 40)), id=str(index)))
            yield listing
            yield Static(t("Enter shows its status · Escape cancels"), classes="hint")

    def on_mount(self) -> None:
        """The first (newest) order highlighted, the list focused: arrows and Enter choose."""
        listing = self.query_one("#order-matches", OptionList)
        if listing.option_count:
            listing.highlighted = 0
        self.set_focus(listing)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on an order."""
        self.dismiss(int(event.option.id or 0))
