"""The library of model calls: recordings a supervisor or trainer marked as examples, to play to trainees.

| key | id | action |
|---|---|---|
| p / f3 | models.play | play the highlighted model call (exported first; without sound: the path) |
| e / f4 | models.export | export it to a WAV file (the path is shown) |
| escape | panel.close | close |
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.training import ModelCall
from agent_tui.ui.common.text import clean, duration, plain
from agent_tui.ui.train.panel import TrainPanel
from agent_tui.ui.train.recording_panel import RecordingPanel
from agent_tui.ui.train.review_playback import RecordingAccess


class ModelCallsScreen(RecordingPanel):
    """Every model call, newest marked first, with its note; play or export the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *TrainPanel.BINDINGS,
        Binding("p,f3", "play", "Play", id="models.play"),
        Binding("e,f4", "export", "Export", id="models.export"),
    ]

    def __init__(self, recordings: RecordingAccess) -> None:
        super().__init__()
        self.recordings = recordings
        self.calls: list[ModelCall] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Model calls"), classes="panel-title", markup=False)
            yield OptionList(id="model-calls")
            yield Static("", id="model-note")
            yield Static(self.t.t("Loading…"), id="model-status", markup=False)
            yield Static(self.t.t("p plays · e exports to a WAV file · Escape closes"), classes="hint",
                         markup=False)

    def on_mount(self) -> None:
        """Load the library."""

        async def load() -> None:
            try:
                self.calls = await self.recordings.review.list_model_calls()
            except Exception as error:
                self._status(self.t.t("Model calls not loaded: {detail}", detail=clean(str(error), 200)))
                return
            listing = self.query_one("#model-calls", OptionList)
            for index, call in enumerate(self.calls):
                label = Text()
                label.append_text(plain(call.title, 50, style="bold"))
                label.append(f"  {duration(call.duration_s)}  ")
                label.append_text(plain(call.agent or "-", 20))
                label.append("  ")
                label.append_text(plain(self.t.t("marked by {name}", name=clean(call.marked_by, 32)), 60))
                listing.add_option(Option(label, id=str(index)))
            if self.calls:
                self._status(self.t.t("{count} model calls", count=len(self.calls)))
                listing.highlighted = 0
                listing.focus()
            else:
                self._status(self.t.t("No model calls yet: supervisors mark them on the recordings screen."))

        self.run_worker(load(), exit_on_error=False)

    def _status(self, text: str) -> None:
        self.query_one("#model-status", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted call's note."""
        call = self.calls[int(event.option.id or 0)]
        note = Text()
        note.append_text(plain(call.note or self.t.t("No note."), 2000, one_line=False))
        self.query_one("#model-note", Static).update(note)

    def highlighted(self) -> ModelCall | None:
        """The model call under the cursor."""
        index = self.query_one("#model-calls", OptionList).highlighted
        return self.calls[index] if index is not None and index < len(self.calls) else None

    def action_export(self) -> None:
        """Download the highlighted model call into the export folder and show where."""
        call = self.highlighted()
        if call is not None:
            self.export_recording(self.recordings, call.call_id, "model")

    def action_play(self) -> None:
        """Play the highlighted model call (exported first); without sound, say where the file is."""
        call = self.highlighted()
        if call is not None:
            self.play_recording(self.recordings, call.call_id, "model", call.title)
