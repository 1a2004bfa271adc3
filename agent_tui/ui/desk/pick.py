"""Several customers match the caller: pick the right one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.customer import LookupMatch
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen


class PickCustomerScreen(DeskPanelScreen[LookupMatch | None]):
    """The pick list."""

    def __init__(self, matches: list[LookupMatch]) -> None:
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        options = []
        for index, match in enumerate(self.matches):
            c = match.customer
            prompt = Content.assemble((clean(c.name, 60), "bold"), f"  {clean(c.account, 24)}  ",
                                      clean(c.address, 80))
            options.append(Option(prompt, id=str(index)))
        with Vertical(classes="panel"):
            yield Static(self.t.t("Which customer is calling?"), classes="panel-title")
            yield OptionList(*options, id="matches")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: this one."""
        self.dismiss(self.matches[int(event.option.id or 0)])
