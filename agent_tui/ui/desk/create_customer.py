"""No customer matched: create one inline, with the caller's number already filled in."""

from __future__ import annotations

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Static

from agent_tui.domain.customer import Customer, CustomerCreate
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import DeskBackend


class CreateCustomerScreen(DeskPanelScreen[Customer | None]):
    """Account number, name, address, area; the phone is the caller's number."""

    def __init__(self, backend: DeskBackend, number: str) -> None:
        super().__init__()
        self.backend = backend
        self.number = number

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("New customer"), classes="panel-title")
            yield Input(placeholder=t("Account number (6-20 digits)"), id="new-account", restrict=r"[0-9]*",
                        max_length=20)
            yield Input(placeholder=t("Name"), id="new-name", max_length=200)
            yield Input(value=self.number, placeholder=t("Phone"), id="new-phone", max_length=32)
            yield Input(placeholder=t("Address"), id="new-address", max_length=200)
            yield Input(placeholder=t("Area"), id="new-area", max_length=200)
            yield Static("", id="new-error", classes="error", markup=False)
            yield Button(t("Create"), id="new-create", variant="primary")

    def on_input_submitted(self) -> None:
        """Enter in any field creates."""
        self._create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The Create button."""
        self._create()

    def _create(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#new-{name}", Input).value.strip()

        try:
            body = CustomerCreate(account=value("account"), name=value("name"),
                                  phones=[value("phone")] if value("phone") else [],
                                  address=value("address"), area=value("area"))
        except ValidationError as error:
            fields = ", ".join(self.t.t(str(e["loc"][0]).capitalize()) for e in error.errors() if e["loc"])
            self.query_one("#new-error", Static).update(self.t.t("Check: {fields}", fields=fields))
            return

        async def work() -> None:
            customer = await self.backend.create_customer(body)
            self.dismiss(customer)

        desk_app(self).spawn(self, work, "creating the customer", exclusive=True)
