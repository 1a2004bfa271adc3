"""Review of one stored training attempt: the score card, what the trainee did, the caller's lines as a
transcript (mm:ss from the answer), and the call's recording to play or export.

| key | id | action |
|---|---|---|
| p / f3 | review.play | play the recording (exported first; without sound: the file's path) |
| e / f4 | review.export | export the recording to a WAV file (the path is shown) |
| up / down / pageup / pagedown / home / end | | scroll (a long review at 80x24 or 22 rows) |
| escape | panel.close | close |
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from agent_tui.domain.training import AttemptRecord
from agent_tui.ui.common.text import clean, plain
from agent_tui.ui.train.card_text import card_text
from agent_tui.ui.train.panel import TrainPanel
from agent_tui.ui.train.recording_panel import RecordingPanel
from agent_tui.ui.train.review_playback import RecordingAccess

TRANSCRIPT_SHOWN = 200


def transcript_of(record: AttemptRecord) -> list[tuple[str, str]]:
    """(mm:ss, text) of the caller's lines; attempts stored before times were kept show `--:--`."""
    if record.caller_lines:
        return [(line.clock(), line.text) for line in record.caller_lines]
    return [("--:--", text) for text in record.transcript]


def steps_of(record: AttemptRecord) -> list[str]:
    """The steps the trainee walked (the route), else those shown; empty when not stored."""
    if record.attempt is None:
        return []
    return list(record.attempt.route or record.attempt.visited)


class ReviewScreen(RecordingPanel):
    """A stored attempt for review; `recordings` None: the recording cannot be fetched here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *TrainPanel.BINDINGS,
        Binding("p,f3", "play", "Play", id="review.play"),
        Binding("e,f4", "export", "Export", id="review.export"),
    ]

    def __init__(self, record: AttemptRecord, title: str, recordings: RecordingAccess | None) -> None:
        super().__init__()
        self.record = record
        self.title_text = title
        self.recordings = recordings

    def compose(self) -> ComposeResult:
        t = self.t.t
        record = self.record
        # A scrolling panel that holds the focus: the review is longer than a small terminal, and a plain
        # container with nothing focusable inside ignored End and PgDn.
        with VerticalScroll(classes="panel", id="review-body"):
            trainee = clean(record.trainee, 64)
            heading = t("Review: {title} ({trainee})", title=self.title_text, trainee=trainee)
            yield Static(heading, classes="panel-title", markup=False)
            yield Static(self._card(), id="review-card")
            steps = steps_of(record)
            done = t("Steps reached: {steps}", steps=" → ".join(clean(s, 40) for s in steps)) if steps else t(
                "Steps reached: not stored")
            yield Static(done, id="review-steps", markup=False)
            yield Static(t("What the caller said"), classes="panel-title", markup=False)
            yield Static(self._transcript(), id="review-transcript")
            yield Static(self._recording_line(), id="review-recording", markup=False)
            yield Static("", id="review-status", markup=False)
            hint = (t("p plays · e exports a WAV · PgDn/End scroll · Esc closes")
                    if record.recording is not None else t("PgDn/End scroll · Escape closes"))
            yield Static(hint, classes="hint", markup=False)

    def on_mount(self) -> None:
        """The body takes the focus, so the scrolling keys work at once."""
        self.query_one("#review-body", VerticalScroll).focus()

    def _card(self) -> Text:
        return card_text(self.record.card, self.t.t, verdict_inline=True, language=self.t.language)

    def _transcript(self) -> Text:
        lines = transcript_of(self.record)
        if not lines:
            return plain(self.t.t("No caller lines were stored."), 100)
        body = Text()
        for index, (clock, text) in enumerate(lines[:TRANSCRIPT_SHOWN]):
            if index:
                body.append("\n")
            body.append(f"{clock}  ", style="bold")
            body.append_text(plain(text, 600))
        return body

    def _recording_line(self) -> str:
        if self.record.recording is None:
            return self.t.t("No recording was stored for this attempt.")
        return self.t.t("Recording: call {call}", call=clean(self.record.recording, 60))

    def _status(self, text: str) -> None:
        self.query_one("#review-status", Static).update(text)

    def _usable(self) -> tuple[RecordingAccess, str] | None:
        call_id = self.record.recording
        if call_id is None:
            # The recording line above already says none was stored; say what the key could not do.
            self._status(self.t.t("Nothing to play or export."))
            return None
        if self.recordings is None:
            self._status(self.t.t("Recordings cannot be fetched here."))
            return None
        return self.recordings, call_id

    def action_export(self) -> None:
        """Download the recording into the export folder and show where."""
        usable = self._usable()
        if usable is not None:
            access, call_id = usable
            self.export_recording(access, call_id, f"training-{self.record.id}")

    def action_play(self) -> None:
        """Play the recording (exported first); without sound, say where the file is."""
        usable = self._usable()
        if usable is not None:
            access, call_id = usable
            self.play_recording(access, call_id, f"training-{self.record.id}", call_id)
