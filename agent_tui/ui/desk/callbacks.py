"""Callers the backend recorded while every agent was busy: Enter claims one and calls it back.

The list shows who holds a claimed callback (the agent's own marked "mine"). Enter claims the callback
first: when another agent has it the panel says so and reloads, and nothing is dialled. `d` closes a
callback the agent holds by hand (the customer called in again meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.sync.callbacks import CallbackTaken, PendingCallback
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import CallbackSource


class CallbacksScreen(DeskPanelScreen[PendingCallback | None]):
    """Returns the callback to call back, claimed by this agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d,delete", "close_callback", "Close callback", id="callbacks.close"),
    ]

    def __init__(self, source: CallbackSource | None, *, username: str = "",
                 close: Callable[[str], object] | None = None) -> None:
        super().__init__()
        self.source = source
        self.username = username
        self.close = close
        """Closes a callback by id (through the outbox); None: `d` is not available."""
        self.entries: list[PendingCallback] = []
        self.claiming = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Callbacks"), classes="panel-title")
            yield OptionList(id="callbacks")
            hint = self.t.t("Loading…") if self.source else self.t.t("No callback list in this session.")
            yield Static(hint, id="callbacks-hint", classes="hint")

    def on_mount(self) -> None:
        """Load the list."""
        self.reload()

    def reload(self) -> None:
        """(Re)load the list from the source."""
        if self.source is None:
            return
        source = self.source

        async def load() -> None:
            self.show(await source.list_callbacks())

        desk_app(self).spawn(self, load, "loading callbacks")

    def holder_text(self, entry: PendingCallback) -> str:
        """"mine", "held by NAME", or nothing for an unclaimed callback."""
        if not entry.claimed_by:
            return ""
        if entry.claimed_by == self.username:
            return "  " + self.t.t("[mine]")
        return "  " + self.t.t("[held by {name}]", name=clean(entry.claimed_by, 40))

    def show(self, entries: list[PendingCallback]) -> None:
        """Fill the list with `entries`."""
        self.entries = entries
        listing = self.query_one("#callbacks", OptionList)
        listing.clear_options()
        for index, entry in enumerate(entries):
            when = entry.at.astimezone().strftime("%m-%d %H:%M")
            listing.add_option(Option(Content.assemble(
                f"{when}  ", (clean(entry.number, 40), "bold"),
                f"  {clean(entry.customer_name, 60)}  {clean(entry.queue, 40)}",
                (self.holder_text(entry), "italic")), id=str(index)))
        hint = self.t.t("Enter calls back, d closes one you hold") if entries \
            else self.t.t("Nobody is waiting.")
        self.query_one("#callbacks-hint", Static).update(hint)
        if listing.option_count:
            listing.highlighted = 0
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Claim this one, then call it back (a callback with no id cannot be claimed: just call)."""
        entry = self.entries[int(event.option.id or 0)]
        if self.source is None or not entry.id:
            self.dismiss(entry)
            return
        if self.claiming:
            return
        self.claiming = True
        source = self.source

        async def claim() -> None:
            try:
                await source.claim_callback(entry.id)
            except CallbackTaken as taken:
                if taken.holder:
                    text = self.t.t("Already taken by {name}.", name=clean(taken.holder, 40))
                else:
                    text = self.t.t("This callback is already closed.")
                self.app.notify(text, severity="warning", timeout=5)
                self.reload()
                return
            finally:
                self.claiming = False
            self.dismiss(entry)

        desk_app(self).spawn(self, claim, "claiming the callback")

    def action_close_callback(self) -> None:
        """Close the highlighted callback this agent holds (no call needed any more)."""
        listing = self.query_one("#callbacks", OptionList)
        index = listing.highlighted
        if index is None or index >= len(self.entries) or self.close is None:
            return
        entry = self.entries[index]
        if not entry.id or entry.claimed_by != self.username:
            self.app.notify(self.t.t("Only a callback you hold can be closed."), timeout=4)
            return
        self.close(entry.id)
        self.app.notify(self.t.t("Callback closed."), timeout=3)
        self.show([e for e in self.entries if e.id != entry.id])
