"""Choosing a work-order screen (repair, complaint, consultation...) or resuming a saved draft.

Enter opens the highlighted entry as a priority binding, and both this list and the form hold a
`KeyGate`: keys typed behind F9 wait for the list, keys typed behind Enter wait for the form's first
field (see `agent_tui.ui.common.key_order`).
"""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.desk.calls import CallSession
from agent_tui.desk.drafts import caller_label, split_drafts
from agent_tui.domain.screen import ScreenDefinition
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormRun
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.key_order import KeyGate
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.order_host import OrderHost
from agent_tui.ui.desk.services import ScreenSource


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
    """The list of screens: this caller's drafts first, then the screens, then earlier callers' drafts
    (labelled with their caller, filed for their own customer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_highlighted", "Open", show=False, priority=True, id="order.open"),
    ]

    def __init__(self, source: ScreenSource, session: CallSession | None, desk: OrderHost) -> None:
        super().__init__()
        self.source = source
        self.session = session
        self.desk = desk
        self.screens: list[ScreenDefinition] = []
        self.drafts: list[FormRun] = []
        self.earlier: list[FormRun] = []
        self.key_gate = KeyGate()
        """Open once the list is loaded and focused."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("New work order"), classes="panel-title")
            yield OptionList(id="order-screens", markup=False)  # screen titles and callers are data
            yield Static(self.t.t("Loading…"), id="order-hint", classes="hint")

    def on_mount(self) -> None:
        """Load the screens (backend first, local files as the fallback) and any saved drafts."""

        async def load() -> None:
            try:
                await fill()
            finally:
                self.key_gate.open()

        async def fill() -> None:
            self.screens, problems = await self.source.load()
            for problem in problems:
                self.notify(self.t.t("Screen not loaded: {problem}", problem=clean(problem, 300)),
                            severity="warning", timeout=10)
            drafts = self.desk.drafts
            if drafts is not None:
                restored = drafts.load({s.id: s for s in self.screens})
                choice = split_drafts(restored.runs, self.session)
                self.drafts, self.earlier = choice.current, choice.earlier
            listing = self.query_one("#order-screens", OptionList)
            for index, run in enumerate(self.drafts):
                label = self.t.t("Resume draft: {title}", title=self.t.pick(run.screen.title))
                listing.add_option(Option(label, id=f"draft-{index}"))
            for index, screen in enumerate(self.screens):
                listing.add_option(Option(clean(self.t.pick(screen.title), 80), id=f"screen-{index}"))
            for index, run in enumerate(self.earlier):
                caller = caller_label(run, self.desk.calls) or self.t.t("unknown caller")
                label = self.t.t("Earlier caller's draft ({caller}): {title}", caller=clean(caller, 60),
                                 title=self.t.pick(run.screen.title))
                listing.add_option(Option(label, id=f"earlier-{index}"))
            hint = self.t.t("Enter opens") if self.screens else self.t.t("No screens available.")
            self.query_one("#order-hint", Static).update(hint)
            if listing.option_count:
                listing.highlighted = 0
            self.set_focus(listing)

        desk_app(self).spawn(self, load, "loading work-order screens")

    def action_open_highlighted(self) -> None:
        """Enter: open the highlighted entry now, so the keys behind it go to the form."""
        listing = self.query_one("#order-screens", OptionList)
        if listing.highlighted is None:
            raise SkipAction()
        self._open(listing.get_option_at_index(listing.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on an entry."""
        self._open(event.option.id)

    def _open(self, option_id: str | None) -> None:
        """Open the chosen screen (or draft) in the form screen."""
        from agent_tui.ui.desk.status_query_form import form_screen

        kind, _, index_text = (option_id or "").partition("-")
        index = int(index_text or 0)
        session = self.session
        if kind == "draft":
            run = self.drafts[index]
        elif kind == "earlier":
            run = self.earlier[index]
            session = self.desk.calls.get(run.call_id) if run.call_id else None  # its own call, if known
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
        self.app.switch_screen(form_screen(run, self.desk, session))
