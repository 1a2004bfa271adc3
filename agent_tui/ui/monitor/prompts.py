"""Small pop-ups of the wallboard: a line of text (transfer target, coaching note) and the filter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Select, Static

from agent_tui.domain.agent import AgentStateName
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.cells import STATE_LABELS
from agent_tui.ui.monitor.model import AgentFilter


class TextPrompt(PanelScreen[str | None]):
    """Asks for one line of text; Enter answers it (stripped), Escape answers None."""

    def __init__(self, title: str, placeholder: str, *, max_length: int = 200) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.title_text, classes="panel-title", markup=False)
            yield Input(placeholder=self.placeholder, id="prompt-input", max_length=self.max_length)
            yield Static(self.t.t("Enter sends · Escape cancels"), classes="hint")

    def on_mount(self) -> None:
        """Type at once."""
        self.query_one("#prompt-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the text, if any."""
        value = clean(event.value, self.max_length).strip()
        if value:
            self.dismiss(value)


class FilterScreen(PanelScreen[AgentFilter | None]):
    """Team, queue and state to show (each may be "any")."""

    DEFAULT_CSS = """
    FilterScreen Select { width: 1fr; }
    FilterScreen #filter-buttons { height: auto; }
    """

    def __init__(self, current: AgentFilter, teams: list[str], queues: list[str]) -> None:
        super().__init__()
        self.current = current
        self.teams = teams
        self.queues = queues

    def compose(self) -> ComposeResult:
        t = self.t.t
        states = [(t(STATE_LABELS[s.value]), s.value) for s in AgentStateName]
        with Vertical(classes="panel"):
            yield Static(t("Filter the wallboard"), classes="panel-title")
            # Content, not str: Textual parses an option's str as markup, and `[/]` in a name stopped the app.
            yield Select([(Content(clean(team, 40)), team) for team in self.teams], prompt=t("Any team"),
                         value=self.current.team or Select.NULL, id="filter-team")
            yield Select([(Content(clean(queue, 40)), queue) for queue in self.queues], prompt=t("Any queue"),
                         value=self.current.queue or Select.NULL, id="filter-queue")
            yield Select(states, prompt=t("Any state"),
                         value=self.current.state.value if self.current.state else Select.NULL,
                         id="filter-state")
            with Horizontal(id="filter-buttons"):
                yield Button(t("Apply"), id="filter-apply", variant="primary")
                yield Button(t("Show all"), id="filter-clear")

    def _value(self, wid: str) -> str | None:
        value = self.query_one(f"#{wid}", Select).value
        return value if isinstance(value, str) else None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Apply the choice, or clear every filter."""
        if event.button.id == "filter-clear":
            self.dismiss(AgentFilter())
            return
        state = self._value("filter-state")
        self.dismiss(AgentFilter(team=self._value("filter-team"), queue=self._value("filter-queue"),
                                 state=AgentStateName(state) if state else None))
