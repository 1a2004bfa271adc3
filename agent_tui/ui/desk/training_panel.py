"""The training strip on the desk: scenario, what to do now, the trainer's hint and the caller's captions.

Captions make a training call work without audio: every line the simulated caller says is shown here as
it starts. Hidden when there is no training call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from agent_tui.i18n import Translator
from agent_tui.ui.common.text import plain

if TYPE_CHECKING:
    from agent_tui.ui.desk.training import TrainingCall

CAPTIONS_SHOWN = 3


class TrainingPanel(Static):
    """The current training call, or nothing."""

    DEFAULT_CSS = """
    TrainingPanel {
        height: auto;
        max-height: 7;
        display: none;
        border-top: solid $accent;
        padding: 0 1;
    }
    TrainingPanel.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="training-panel", markup=False)
        self._shown = ""

    @property
    def shown(self) -> str:
        """The panel's plain text ('' when hidden)."""
        return self._shown

    def show_call(self, call: TrainingCall | None, t: Translator) -> None:
        """Draw `call` (None hides the panel)."""
        if call is None:
            text: Text | None = None
        else:
            text = Text()
            title = t.pick(call.scenario.title) if call.scenario is not None else call.scenario_id
            head = t.t("Self-practice") if call.self_practice else t.t("Training")
            text.append(f"{head}: ", style="bold")
            text.append_text(plain(title, 80, style="bold"))
            if call.status:
                text.append("  ")
                text.append_text(plain(call.status, 120))
            if call.hint:
                text.append(f"\n{t.t('Hint')}: ", style="bold reverse")
                text.append_text(plain(call.hint, 300))
            for caption in call.captions[-CAPTIONS_SHOWN:]:
                text.append(f"\n{t.t('Caller')}: ", style="bold")
                text.append_text(plain(caption, 300, one_line=False))
        shown = text.plain if text is not None else ""
        if shown == self._shown:
            return
        self._shown = shown
        self.set_class(text is not None, "-shown")
        self.update(text or "")
