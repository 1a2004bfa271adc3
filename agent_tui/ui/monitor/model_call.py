"""Mark a recording as a model call (an example for trainees) from the monitor's recordings screen.

The backend audits the mark (`mark_model_call`); trainers and agents in training then find the call in
their library of model calls.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agent_tui.domain.training import ModelCall
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean


@runtime_checkable
class ModelCallMarker(Protocol):
    """What marking needs of the backend (`SupervisorClient.mark_model_call`)."""

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        """`PUT /v1/recordings/{call_id}/model`."""


class ModelCallScreen(PanelScreen[ModelCall | None]):
    """Title and note of the model call; Enter in the note (or a non-empty title) saves."""

    def __init__(self, marker: ModelCallMarker, call_id: str, agent: str | None = None) -> None:
        super().__init__()
        self.marker = marker
        self.call_id = call_id
        self.agent = agent

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            heading = t("Mark as model call")
            who = f"{clean(self.call_id, 40)}  {clean(self.agent or '', 20)}".strip()
            yield Static(f"{heading}: {who}", classes="panel-title", markup=False)
            yield Input(placeholder=t("Model call title"), id="model-title", max_length=200)
            yield Input(placeholder=t("Note (what to listen for)"), id="model-note", max_length=2000)
            yield Static("", id="model-error", classes="error", markup=False)
            yield Static(t("Enter saves · Escape cancels"), classes="hint", markup=False)

    def on_mount(self) -> None:
        """Start in the title."""
        self.query_one("#model-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the title moves to the note; Enter in the note saves."""
        if event.input.id == "model-title":
            self.query_one("#model-note", Input).focus()
            return
        self.save()

    def save(self) -> None:
        """Send the mark; close with the stored model call, or show why not."""
        title = clean(self.query_one("#model-title", Input).value, 200).strip()
        note = clean(self.query_one("#model-note", Input).value, 2000).strip()
        error = self.query_one("#model-error", Static)
        if not title:
            error.update(self.t.t("Title is required."))
            self.query_one("#model-title", Input).focus()
            return

        async def work() -> None:
            try:
                marked = await self.marker.mark_model_call(self.call_id, title, note)
            except Exception as failure:
                error.update(clean(str(failure), 200))
                return
            self.dismiss(marked)

        self.run_worker(work(), exit_on_error=False)
