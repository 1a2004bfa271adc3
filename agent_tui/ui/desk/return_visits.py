"""The return-visit list (回访): visits due now; Enter claims one for this agent and returns it.

Each line shows the customer, the order, when the visit fell due and how many calls did not reach
the customer. Enter claims the visit first: when another agent has it the panel says so and reloads,
and nothing is dialled (as the callback list does).
"""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.desk.return_visits import offered
from agent_tui.domain.return_visits import ReturnVisitItem
from agent_tui.sync.errors import BackendRejected
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import OrderDesk


class ReturnVisitsScreen(DeskPanelScreen[ReturnVisitItem | None]):
    """Returns the visit to make, claimed by this agent (None: closed without one).

    Enter is a priority binding: typed right behind the key that opened the list, it claims the
    highlighted visit as soon as the list is filled, whether or not the list has the focus yet.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "claim_highlighted", "Claim and call", show=False, priority=True,
                id="return_visits.claim"),
    ]

    def __init__(self, orders: OrderDesk, username: str) -> None:
        super().__init__()
        self.orders = orders
        self.username = username
        self.entries: list[ReturnVisitItem] = []
        self.claiming = False
        """A claim is on its way (a second Enter waits for it)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Return visits due"), classes="panel-title")
            yield OptionList(id="return-visits")
            yield Static(self.t.t("Loading…"), id="return-visits-hint", classes="hint")

    def on_mount(self) -> None:
        """Load the list."""
        self.reload()

    def reload(self) -> None:
        """(Re)load the visits due from the backend."""
        orders = self.orders

        async def load() -> None:
            self.show(offered(await orders.return_visits(), self.username))

        desk_app(self).spawn(self, load, "loading the return visits", group="return-visits", exclusive=True)

    def line(self, entry: ReturnVisitItem) -> Content:
        """One visit: due time, customer, order, attempts, and 'mine' for one this agent holds."""
        t = self.t.t
        when = entry.due_at.astimezone().strftime("%m-%d %H:%M")
        who = clean(entry.customer_name or entry.phone or t("unknown customer"), 30)
        tries = t("attempts: {count}", count=entry.attempts)
        mine = "  " + t("[mine]") if entry.claimed_by == self.username else ""
        return Content.assemble(f"{when}  ", (who, "bold"), f"  {clean(entry.number, 32)}  {tries}",
                                (mine, "italic"))

    def show(self, entries: list[ReturnVisitItem]) -> None:
        """Fill the list with `entries`."""
        self.entries = entries
        listing = self.query_one("#return-visits", OptionList)
        listing.clear_options()
        for index, entry in enumerate(entries):
            listing.add_option(Option(self.line(entry), id=str(index)))
        hint = self.t.t("Enter claims the visit and calls the customer") if entries \
            else self.t.t("No return visit is due.")
        self.query_one("#return-visits-hint", Static).update(hint)
        if listing.option_count:
            listing.highlighted = 0
        listing.focus()

    def action_claim_highlighted(self) -> None:
        """Enter: claim the highlighted visit."""
        listing = self.query_one("#return-visits", OptionList)
        if listing.highlighted is None or listing.highlighted >= len(self.entries):
            raise SkipAction()
        self.claim(self.entries[listing.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a visit."""
        self.claim(self.entries[int(event.option.id or 0)])

    def claim(self, entry: ReturnVisitItem) -> None:
        """Claim this visit, then hand it to the desk (which calls the customer)."""
        if self.claiming:
            return
        self.claiming = True
        orders = self.orders

        async def take() -> None:
            try:
                claimed = await orders.claim_visit(entry.id)
            except BackendRejected as error:
                if error.status not in (404, 409):
                    raise
                self.app.notify(self.t.t("This return visit is taken or done already."), severity="warning",
                                timeout=5)
                self.reload()
                return
            finally:
                self.claiming = False
            self.dismiss(claimed)

        desk_app(self).spawn(self, take, "claiming the return visit")
