"""Choosing a work-order screen (repair, complaint, consultation...) or resuming a saved draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.screen import ScreenDefinition
from agent_tui.forms.runner import FormRun, PrefillContext
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.calls import CallSession
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import ScreenSource

if TYPE_CHECKING:
    from agent_tui.ui.desk.desk import DeskScreen


class CallFacts:
    """What a screen may prefill from the call (`call.number`, `call.queue`...)."""

    def __init__(self, session: CallSession) -> None:
        self.number = session.number
        self.display = session.display
        self.queue = session.queue
        self.call_id = session.call_id
        self.account = session.account_hint
        self.customer_id = session.customer.id if session.customer else session.customer_id_hint


class OrderPickScreen(DeskPanelScreen[None]):
    """The list of screens, drafts first."""

    def __init__(self, source: ScreenSource, session: CallSession | None, desk: DeskScreen) -> None:
        super().__init__()
        self.source = source
        self.session = session
        self.desk = desk
        self.screens: list[ScreenDefinition] = []
        self.drafts: list[FormRun] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("New work order"), classes="panel-title")
            yield OptionList(id="order-screens")
            yield Static(self.t.t("Loading…"), id="order-hint", classes="hint")

    def on_mount(self) -> None:
        """Load the screens (backend first, local files as the fallback) and any saved drafts."""

        async def load() -> None:
            self.screens, problems = await self.source.load()
            for problem in problems:
                self.notify(self.t.t("Screen not loaded: {problem}", problem=clean(problem, 300)),
                            severity="warning", timeout=10)
            drafts = self.desk.services.drafts
            if drafts is not None:
                restored = drafts.load({s.id: s for s in self.screens})
                self.drafts = restored.runs
            listing = self.query_one("#order-screens", OptionList)
            for index, run in enumerate(self.drafts):
                label = self.t.t("Resume draft: {title}", title=self.t.pick(run.screen.title))
                listing.add_option(Option(label, id=f"draft-{index}"))
            for index, screen in enumerate(self.screens):
                listing.add_option(Option(clean(self.t.pick(screen.title), 80), id=f"screen-{index}"))
            hint = self.t.t("Enter opens") if self.screens else self.t.t("No screens available.")
            self.query_one("#order-hint", Static).update(hint)
            if listing.option_count:
                listing.highlighted = 0
            listing.focus()

        desk_app(self).spawn(self, load, "loading work-order screens")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen screen (or draft) in the form screen."""
        from agent_tui.ui.desk.form import FormScreen

        kind, _, index_text = (event.option.id or "").partition("-")
        index = int(index_text or 0)
        if kind == "draft":
            run = self.drafts[index]
        else:
            screen = self.screens[index]
            session = self.session
            context = PrefillContext(
                customer=session.customer if session else None,
                call=CallFacts(session) if session else None,
            )
            draft_id = f"{session.call_id}-{screen.id}" if session else None
            run = FormRun.start(screen, context, language=self.t.language, draft_id=draft_id,
                                translate=self.t.t)
        self.app.switch_screen(FormScreen(run, self.desk, self.session))
