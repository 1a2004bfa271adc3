"""Callers the backend recorded while every agent was busy: Enter claims one and calls it back.

The list has column headers: when the caller was queued, how long they have waited, the number, the
customer, the queue, why they are owed a call (all busy, voicemail, abandoned) and who holds a claimed
callback (the agent's own marked "mine"). Enter claims the callback first: when another agent has it the
panel says so and reloads, and nothing is dialled. `d` closes a callback the agent holds by hand (the
customer called in again meanwhile). `v` plays the caller's voicemail before calling back (on the sound
device, or exported to a file whose path is shown when the machine has none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
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
from agent_tui.ui.desk.outbound_preview import REASON_LABELS, waited
from agent_tui.ui.desk.outbound_voicemail import NotAudio, VoicemailPlayer
from agent_tui.ui.desk.services import CallbackSource

COLUMNS: tuple[tuple[str, int], ...] = (
    ("Queued", 11), ("Wait", 5), ("Number", 11), ("Name", 6), ("Queue", 8), ("Reason", 11),
)
"""Column titles (English keys) and widths in terminal cells; the rows use the same widths."""


def pad(text: str, width: int) -> str:
    """`text` cut or padded to `width` cells (Chinese characters take two)."""
    return set_cell_size(text, width) if cell_len(text) != width else text


class CallbacksScreen(DeskPanelScreen[PendingCallback | None]):
    """Returns the callback to call back, claimed by this agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d,delete", "close_callback", "Close callback", id="callbacks.close"),
        Binding("v", "voicemail", "Play voicemail", id="callbacks.voicemail"),
    ]

    def __init__(self, source: CallbackSource | None, *, username: str = "",
                 close: Callable[[str], object] | None = None,
                 voicemails: VoicemailPlayer | None = None) -> None:
        super().__init__()
        self.source = source
        self.username = username
        self.close = close
        """Closes a callback by id (through the outbox); None: `d` is not available."""
        self.voicemails = voicemails
        """Plays or exports a caller's voicemail; None: `v` says there is none in this session."""
        self.entries: list[PendingCallback] = []
        self.claiming = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Callbacks"), classes="panel-title")
            yield Static(self.header(), id="callbacks-header", classes="hint")
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

    def header(self) -> str:
        """The column headers, aligned with the rows (`COLUMNS`)."""
        return "  ".join(pad(self.t.t(title), width) for title, width in COLUMNS)

    def show(self, entries: list[PendingCallback]) -> None:
        """Fill the list with `entries`."""
        self.entries = entries
        listing = self.query_one("#callbacks", OptionList)
        listing.clear_options()
        now = datetime.now(UTC)
        widths = [width for _title, width in COLUMNS]
        for index, entry in enumerate(entries):
            when = entry.at.astimezone().strftime("%m-%d %H:%M")
            why = self.t.t(REASON_LABELS.get(entry.reason, entry.reason)) if entry.reason else ""
            if entry.voicemail:
                why = f"* {why}"  # `v` plays it
            cells = [when, waited(entry.at, now), clean(entry.number, 40), clean(entry.customer_name, 60),
                     clean(entry.queue, 40), why]
            text = [pad(cell, width) for cell, width in zip(cells, widths, strict=True)]
            listing.add_option(Option(Content.assemble(
                f"{text[0]}  {text[1]}  ", (text[2], "bold"), f"  {text[3]}  {text[4]}  {text[5]}",
                (self.holder_text(entry), "italic")), id=str(index)))
        hint = self.t.t("Enter calls back, v plays the voicemail (*), d closes one you hold") if entries \
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

    def highlighted_entry(self) -> PendingCallback | None:
        """The callback under the cursor."""
        index = self.query_one("#callbacks", OptionList).highlighted
        if index is None or index >= len(self.entries):
            return None
        return self.entries[index]

    def action_voicemail(self) -> None:
        """Play the highlighted caller's voicemail (or export it when this machine has no sound)."""
        entry = self.highlighted_entry()
        if entry is None:
            return
        if not entry.voicemail:
            self.app.notify(self.t.t("This caller left no voicemail."), timeout=3)
            return
        player = self.voicemails
        if player is None:
            self.app.notify(self.t.t("Voicemails cannot be played in this session."), timeout=4)
            return

        async def hear() -> None:
            try:
                heard = await player.hear(entry.voicemail)
            except NotAudio:
                self.app.notify(self.t.t("This voicemail is not a recording; nothing was saved."),
                                severity="error", timeout=8)
                return
            if heard.playing:
                text = self.t.t("Playing the voicemail (also saved to {path}).", path=str(heard.path))
                self.app.notify(text, timeout=8)
            else:
                self.app.notify(self.t.t("No sound device: the voicemail was saved to {path}.",
                                         path=str(heard.path)), severity="warning", timeout=15)

        desk_app(self).spawn(self, hear, "fetching the voicemail")

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
