"""The QA form of one call: seven items, 100 points, a comment; stored per call in the backend."""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from agent_tui.domain.recordings import QA_ITEMS, QaScore, QaScoreInput
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.services import SupervisorApi

QA_LABELS = {
    "voice": "Voice", "manner": "Manner", "speed": "Speed", "service_skill": "Service skill",
    "business_knowledge": "Business knowledge", "customer_satisfaction": "Customer satisfaction",
    "call_length": "Call length",
}


def qa_total(points: dict[str, int]) -> int:
    """The sum of the items given (each capped at its maximum)."""
    return sum(min(max(points.get(name, 0), 0), most) for name, most in QA_ITEMS.items())


class QaScreen(PanelScreen[QaScore | None]):
    """Score a call; answers the stored score (None when closed without saving).

    | key | id | action |
    |---|---|---|
    | ctrl+s | qa.save | save the score |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save score", id="qa.save"),
    ]
    DEFAULT_CSS = """
    QaScreen .qa-row { height: auto; }
    QaScreen .qa-label { width: 26; padding: 1 0 0 0; }
    QaScreen .qa-row Input { width: 10; }
    QaScreen #qa-total { text-style: bold; padding: 0 1; }
    QaScreen #qa-buttons { height: auto; }
    """

    def __init__(self, api: SupervisorApi, call_id: str, agent: str | None = None) -> None:
        super().__init__()
        self.api = api
        self.call_id = call_id
        self.agent = agent
        self.saved: QaScore | None = None

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("QA score of call {call}", call=clean(self.call_id, 60)), classes="panel-title",
                         markup=False)
            for name, most in QA_ITEMS.items():
                with Horizontal(classes="qa-row"):
                    yield Static(f"{t(QA_LABELS[name])} (0-{most})", classes="qa-label", markup=False)
                    yield Input(value="0", id=f"qa-{name}", type="integer", max_length=3)
            yield Input(placeholder=t("Comment"), id="qa-comment", max_length=2000)
            yield Static("", id="qa-total")
            yield Static("", id="qa-error", classes="error", markup=False)
            with Horizontal(id="qa-buttons"):
                yield Button(t("Save"), id="qa-save", variant="primary")

    def on_mount(self) -> None:
        """Load the stored score, if any."""
        self._show_total()

        async def load() -> None:
            score = await self.api.qa_score(self.call_id)
            if score is not None:
                for name in QA_ITEMS:
                    self.query_one(f"#qa-{name}", Input).value = str(getattr(score, name))
                self.query_one("#qa-comment", Input).value = score.comment
                self._show_total()

        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, load, "loading the QA score")

    def points(self) -> dict[str, int]:
        """The points typed so far (blank or unreadable: 0)."""
        out: dict[str, int] = {}
        for name in QA_ITEMS:
            raw = self.query_one(f"#qa-{name}", Input).value.strip()
            try:
                out[name] = int(raw) if raw else 0
            except ValueError:
                out[name] = 0
        return out

    def _show_total(self) -> None:
        points = self.points()
        over = [n for n, most in QA_ITEMS.items() if not 0 <= points[n] <= most]
        total = qa_total(points)
        self.query_one("#qa-total", Static).update(self.t.t("Total: {total} / 100", total=total))
        error = self.query_one("#qa-error", Static)
        if over:
            error.update(self.t.t("Too many points: {items}",
                                  items=", ".join(self.t.t(QA_LABELS[n]) for n in over)))
        else:
            error.update("")

    def on_input_changed(self, _event: Input.Changed) -> None:
        """Keep the total current."""
        self._show_total()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        """Save."""
        self.action_save()

    def action_save(self) -> None:
        """Validate and store the score."""
        try:
            score = QaScoreInput(comment=self.query_one("#qa-comment", Input).value, **self.points())
        except ValidationError:
            self._show_total()
            return

        async def save() -> None:
            self.saved = await self.api.put_qa(self.call_id, score)
            self.app.notify(self.t.t("QA score saved: {total} / 100", total=self.saved.total_points))
            self.dismiss(self.saved)

        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, save, "saving the QA score")
