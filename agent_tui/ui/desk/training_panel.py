"""The training strip: scenario, what to do now, the trainer's hint and the caller's captions.

Captions make a training call work without audio: every line the simulated caller says is shown here as
it starts. Hidden when there is no training call.

The desk's training hooks draw the call on the desk's panel (`show_call`); the panel turns it into a
plain `TrainingView` and publishes it through the App, and every panel (the desk's and the one on each
order form) draws what the App holds. So the caller's lines stay in view while the agent types an
order, and no screen reaches into the desk for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rich.text import Text
from textual.widgets import Static

from agent_tui.i18n import Translator
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import plain

if TYPE_CHECKING:
    from agent_tui.training.desk_call import TrainingCall

CAPTIONS_SHOWN = 3


@dataclass(frozen=True)
class TrainingView:
    """A training call as the panels show it (texts already in the UI language, not yet cleaned)."""

    head: str
    title: str
    status: str = ""
    hint: str = ""
    captions: tuple[str, ...] = ()
    """The caller's last lines, oldest first."""


@runtime_checkable
class TrainingViewSink(Protocol):
    """Where the desk publishes the training view (the desk App)."""

    training_view: TrainingView | None


def training_view(call: TrainingCall | None, t: Translator) -> TrainingView | None:
    """The view of `call` (None: no training call)."""
    if call is None:
        return None
    title = t.pick(call.scenario.title) if call.scenario is not None else call.scenario_id
    return TrainingView(
        head=t.t("Self-practice") if call.self_practice else t.t("Training"),
        title=title, status=call.status, hint=call.hint,
        captions=tuple(call.captions[-CAPTIONS_SHOWN:]),
    )


def training_text(view: TrainingView, t: Translator) -> Text:
    """The panel's text for `view`: outside text is cleaned and shown verbatim."""
    text = Text()
    text.append(f"{view.head}: ", style="bold")
    text.append_text(plain(view.title, 80, style="bold"))
    if view.status:
        text.append("  ")
        text.append_text(plain(view.status, 120))
    if view.hint:
        text.append(f"\n{t.t('Hint')}: ", style="bold reverse")
        text.append_text(plain(view.hint, 300))
    for caption in view.captions:
        text.append(f"\n{t.t('Caller')}: ", style="bold")
        text.append_text(plain(caption, 300, one_line=False))
    return text


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

    def __init__(self, *, id: str = "training-panel") -> None:
        super().__init__("", id=id, markup=False)
        self._shown = ""

    @property
    def shown(self) -> str:
        """The panel's plain text ('' when hidden)."""
        return self._shown

    def on_mount(self) -> None:
        """Follow the App's training view (an App without one: draw what `show_call` gives)."""
        if isinstance(self.app, TrainingViewSink):
            self.watch(self.app, "training_view", self._draw, init=True)

    def show_call(self, call: TrainingCall | None, t: Translator) -> None:
        """Draw `call` (None hides the panel) here and on every other panel, through the App."""
        view = training_view(call, t)
        app = self.app
        if isinstance(app, TrainingViewSink):
            app.training_view = view  # the watchers draw it, this panel included
        else:
            self._draw(view)

    def _draw(self, view: TrainingView | None) -> None:
        text = training_text(view, tr(self)) if view is not None else None
        shown = text.plain if text is not None else ""
        if shown == self._shown:
            return
        self._shown = shown
        self.set_class(text is not None, "-shown")
        self.update(text or "")
