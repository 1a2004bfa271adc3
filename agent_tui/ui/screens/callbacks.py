"""Callers the backend recorded while every agent was busy: Enter calls one back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.ui.context import desk_app
from agent_tui.ui.screens.panel import PanelScreen
from agent_tui.ui.services import CallbackSource, PendingCallback
from agent_tui.ui.text import clean


class CallbacksScreen(PanelScreen[str | None]):
    """Returns the number to call back."""

    def __init__(self, source: CallbackSource | None) -> None:
        super().__init__()
        self.source = source
        self.entries: list[PendingCallback] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Callbacks"), classes="panel-title")
            yield OptionList(id="callbacks")
            hint = self.t.t("Loading…") if self.source else self.t.t("No callback list in this session.")
            yield Static(hint, id="callbacks-hint", classes="hint")

    def on_mount(self) -> None:
        """Load the list."""
        if self.source is None:
            return
        source = self.source

        async def load() -> None:
            self.entries = await source.list_callbacks()
            listing = self.query_one("#callbacks", OptionList)
            for index, entry in enumerate(self.entries):
                when = entry.at.astimezone().strftime("%m-%d %H:%M")
                listing.add_option(Option(Content.assemble(
                    f"{when}  ", (clean(entry.number, 40), "bold"),
                    f"  {clean(entry.customer_name, 60)}  {clean(entry.queue, 40)}"), id=str(index)))
            hint = self.t.t("Enter calls back") if self.entries else self.t.t("Nobody is waiting.")
            self.query_one("#callbacks-hint", Static).update(hint)
            if listing.option_count:
                listing.highlighted = 0
            listing.focus()

        desk_app(self).spawn(self, load, "loading callbacks")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Call this one back."""
        self.dismiss(self.entries[int(event.option.id or 0)].number)
