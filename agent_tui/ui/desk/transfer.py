"""Transfer: search the directory (agents, queues, or any number), then blind or consult."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.agent import Agent
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import DeskBackend


class TransferScreen(DeskPanelScreen[tuple[str, str] | None]):
    """Returns `("blind" | "consult", target)`."""

    def __init__(self, backend: DeskBackend) -> None:
        super().__init__()
        self.backend = backend
        self.agents: list[Agent] = []

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Transfer"), classes="panel-title")
            yield Input(placeholder=t("Search agents or type a number"), id="transfer-search", max_length=64)
            yield OptionList(id="transfer-directory")
            with Horizontal(id="transfer-buttons"):
                yield Button(t("Blind"), id="transfer-blind", variant="primary")
                yield Button(t("Consult"), id="transfer-consult")
            yield Static(t("The case on the card goes with the call."), classes="hint")

    DEFAULT_CSS = """
    #transfer-directory { height: auto; max-height: 10; }
    #transfer-buttons { height: auto; }
    """

    def on_mount(self) -> None:
        """Load the directory."""

        async def load() -> None:
            self.agents = await self.backend.list_agents()
            self._fill("")

        desk_app(self).spawn(self, load, "loading the directory")

    def _fill(self, query: str) -> None:
        listing = self.query_one("#transfer-directory", OptionList)
        listing.clear_options()
        q = query.strip().lower()
        for agent in self.agents:
            if not agent.extension:
                continue
            hay = f"{agent.display_name} {agent.username} {agent.extension} {agent.team or ''}".lower()
            if q and q not in hay:
                continue
            prompt = Content.assemble((clean(agent.display_name, 40), "bold"),
                                      f"  {clean(agent.extension, 20)}  {clean(agent.team or '', 30)}  ",
                                      self.t.t(agent.state.state.value.replace("_", " ").capitalize()))
            listing.add_option(Option(prompt, id=clean(agent.extension, 64)))
        if listing.option_count:
            listing.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter the directory as the agent types."""
        self._fill(event.value)

    def _target(self) -> str | None:
        listing = self.query_one("#transfer-directory", OptionList)
        if listing.highlighted is not None:
            option = listing.get_option_at_index(listing.highlighted)
            if option.id:
                return option.id
        typed = self.query_one("#transfer-search", Input).value.strip()
        return typed if typed and all(ch.isdigit() or ch in "+*#-" for ch in typed) else None

    def on_input_submitted(self) -> None:
        """Enter in the search: blind transfer to the highlighted entry or the typed number."""
        self._go("blind")

    def on_option_list_option_selected(self) -> None:
        """Enter on an entry: blind transfer."""
        self._go("blind")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Blind or Consult."""
        self._go("consult" if event.button.id == "transfer-consult" else "blind")

    def _go(self, mode: str) -> None:
        target = self._target()
        if target is None:
            self.notify(self.t.t("Pick someone or type a number."), severity="warning", timeout=3)
            return
        self.dismiss((mode, target))
