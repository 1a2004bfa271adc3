"""The desk's after-call screens with Pilot and an in-process order service: the status query shows the
order chosen among several, a return visit claimed from the list is dialled and recorded, and alerts
about the agent's own orders show in a line that takes no focus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select

from agent_tui.domain.escalation import OrderAlert, OrderTimeline, TimePoint
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.return_visits import ReturnVisitItem, ReturnVisitStatus
from agent_tui.domain.sla import OrderAlertLevel, SlaLimits, deadlines
from agent_tui.domain.ticket import Attitude, ReturnVisit, Ticket, TicketStatus, TicketType, TimelineEntry
from agent_tui.sync.errors import BackendUnavailable
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.order_alerts_line import OrderAlertLine
from agent_tui.ui.desk.return_visits import ReturnVisitsScreen
from agent_tui.ui.desk.return_visits_form import ReturnVisitFormScreen
from agent_tui.ui.desk.status_query_choice import OrderChoiceScreen
from agent_tui.ui.desk.status_query_form import StatusQueryFormScreen
from tests.ui.helpers import make_app, open_order_screen, screen_text, wait_until

S = TicketStatus
NOW = datetime.now(UTC).replace(microsecond=0)


def order(id_: int, status: TicketStatus = S.DISPATCHED) -> Ticket:
    return Ticket(id=id_, number=f"GD20261205{id_:06d}", ticket_type=TicketType.REPAIR, status=status,
                  created_by="agent1", created_at=NOW - timedelta(minutes=20), updated_at=NOW)


class FakeOrders:
    """The order service of the desk, in process: what it was asked is kept for the asserts."""

    def __init__(self) -> None:
        self.orders = [order(8), order(7)]
        self.searches: list[dict[str, str | None]] = []
        self.visits = [ReturnVisitItem(
            id=3, ticket_id=7, number="GD20261205000007", ticket_type=TicketType.REPAIR, customer_name="李明",
            phone="13800138000", status=ReturnVisitStatus.DUE, due_at=NOW, attempts=1)]
        self.claimed: list[int] = []
        self.results: list[tuple[int, ReturnVisit]] = []
        self.attempts: list[tuple[int, str]] = []
        self.fail_result = 0
        """Refuse this many result posts first (a dead backend)."""

    async def find_orders(self, *, number: str | None = None, phone: str | None = None,
                          account: str | None = None) -> list[Ticket]:
        self.searches.append({"number": number, "phone": phone, "account": account})
        return [o for o in self.orders if number is None or o.number == number]

    async def timeline(self, number: str) -> OrderTimeline:
        a = NOW - timedelta(minutes=20)
        steps = [(S.CREATED, a), (S.ISSUED, a + timedelta(minutes=1)), (S.RECEIVED, a + timedelta(minutes=2)),
                 (S.DISPATCHED, a + timedelta(minutes=3))]
        entries = [TimelineEntry(status=s, at=when, by="x") for s, when in steps]
        reached = dict(steps)
        return OrderTimeline(
            id=int(number[-6:]), number=number, ticket_type=TicketType.REPAIR, status=S.DISPATCHED,
            created_by="agent1",
            points=[TimePoint(point=p, status=s, at=reached.get(s)) for p, s in zip(
                "ABCDEFGH", (S.CREATED, S.ISSUED, S.RECEIVED, S.FORWARDED, S.DISPATCHED, S.ACCEPTED,
                             S.DEPARTED, S.ON_SITE), strict=True)],
            deadlines=deadlines(TicketType.REPAIR, entries, NOW, SlaLimits()))

    async def return_visits(self) -> list[ReturnVisitItem]:
        return list(self.visits)

    async def claim_visit(self, visit_id: int) -> ReturnVisitItem:
        self.claimed.append(visit_id)
        return self.visits[0].model_copy(update={"claimed_by": "agent1", "status": ReturnVisitStatus.CLAIMED})

    async def visit_unreachable(self, visit_id: int, note: str) -> ReturnVisitItem:
        self.attempts.append((visit_id, note))
        return self.visits[0].model_copy(update={"attempts": 2})

    async def visit_result(self, visit_id: int, result: ReturnVisit) -> ReturnVisitItem:
        if self.fail_result:
            self.fail_result -= 1
            raise BackendUnavailable("connection refused")
        self.results.append((visit_id, result))
        return self.visits[0].model_copy(update={"status": ReturnVisitStatus.DONE})


def app_with(orders: FakeOrders) -> DeskApp:
    app, _phone, _backend, _writes = make_app(options=DeskOptions(username="agent1"))
    app.services.orders = orders
    return app


async def test_status_query_chooses_among_several_orders_and_shows_the_timeline() -> None:
    orders = FakeOrders()
    app = app_with(orders)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        form = await open_order_screen(pilot, app, "status_query")
        assert isinstance(form, StatusQueryFormScreen)
        form.query_one("#field-account", Input).value = "3100012345"
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderChoiceScreen), what="the choice")
        assert orders.searches == [{"number": None, "phone": None, "account": "3100012345"}]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: form.query_state.view is not None, what="the timeline")
        text = screen_text(app)
        assert "Order GD20261205000007: Dispatched" in text
        assert "BC on time" in text
        assert "EF breached" in text  # dispatched 17 minutes ago, not accepted
        assert "F —" in text
        await wait_until(pilot, lambda: form.run.value("status_told") == "overdue", what="status told preset")
        assert form.query_one("#field-status_told", Select).value == "overdue"


async def answer(pilot: Pilot[Any], form: ReturnVisitFormScreen, answers: dict[str, str]) -> None:
    """Answer the fields of the step shown (as a choice by hand or typing would), then ctrl+right."""
    await wait_until(pilot, lambda: all(form.query(f"#field-{f}") for f in answers), what="the step")
    for field_id, value in answers.items():
        widget = form.query_one(f"#field-{field_id}")
        if isinstance(widget, (Select, Input)):
            widget.value = value
    await pilot.pause()
    await pilot.press("ctrl+right")


async def open_visit(pilot: Pilot[Any], app: DeskApp) -> ReturnVisitFormScreen:
    """v, Enter: the visit claimed and its form open."""
    await wait_until(pilot, lambda: app.desk.logged_in)
    await pilot.press("v")
    await wait_until(pilot, lambda: isinstance(app.screen, ReturnVisitsScreen) and app.screen.entries,
                     what="the return-visit list")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReturnVisitFormScreen), what="the form")
    form = app.screen
    assert isinstance(form, ReturnVisitFormScreen)
    return form


async def test_a_customer_not_reached_is_an_attempt() -> None:
    orders = FakeOrders()
    app = app_with(orders)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_visit(pilot, app)
        await answer(pilot, form, {"reached": "no"})
        await wait_until(pilot, lambda: form.run.step.id == "unreachable", what="the unreachable end")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(orders.attempts), what="the attempt")
        assert orders.attempts == [(3, "not reached on the return visit")]
        assert orders.results == []
        await wait_until(pilot, lambda: app.screen is app.desk, what="back to the desk")


async def test_a_return_visit_is_claimed_dialled_and_recorded_after_a_failed_send() -> None:
    orders = FakeOrders()
    orders.fail_result = 1
    app = app_with(orders)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_visit(pilot, app)
        assert "李明" in screen_text(app)
        assert orders.claimed == [3]
        phone: Any = app.services.phone
        await wait_until(pilot, lambda: any(c[0] == "make_call" for c in phone.commands), what="the dial")
        assert ("make_call", ("13800138000",)) in [(c[0], c[1][:1]) for c in phone.commands]
        await wait_until(pilot, lambda: form.session is not None, what="the form on the visit's call")
        assert form.session is not None
        assert form.session.number == "13800138000"

        await answer(pilot, form, {"reached": "yes"})
        await answer(pilot, form, {"resolved": "yes", "charged": "no"})
        await answer(pilot, form, {"attitude": "satisfied", "score": "9"})
        await wait_until(pilot, lambda: form.run.step.id == "suggestion", what="the suggestion step")
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.complete, what="the end step")
        assert "Press ctrl+s to record the return visit." in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "ctrl+s tries again" in screen_text(app), what="the refusal")
        assert app.screen is form  # nothing lost
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(orders.results), what="the result")
        assert orders.results == [(3, ReturnVisit(resolved=True, attitude=Attitude.SATISFIED, charged=False,
                                                  score=9))]
        await wait_until(pilot, lambda: app.screen is app.desk, what="back to the desk")


def alert_event(id_: int, filed_by: str) -> Event:
    alert = OrderAlert(id=id_, ticket_id=7, number="GD20261205000007", segment="accept",
                       level=OrderAlertLevel.BREACHED, due_at=NOW, raised_at=NOW, filed_by=filed_by,
                       status=S.DISPATCHED, not_accepted=True)
    return Event(id=id_, kind=EventKind.ORDER_ALERT, at=NOW, target=filed_by,
                 data=alert.model_dump(mode="json"))


async def test_own_order_alerts_show_in_a_line_that_takes_no_focus() -> None:
    app = app_with(FakeOrders())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        line = app.desk.query_one(OrderAlertLine)
        app.desk.handle_live_event(alert_event(1, "agent2"))
        await pilot.pause()
        assert not line.display or line.text == ""
        phone: Any = app.services.phone
        phone.ring("c1", "13900001111")
        await wait_until(pilot, lambda: app.desk.ringing is not None, what="the ring")
        focused = app.focused
        app.desk.handle_live_event(alert_event(2, "agent1"))
        await wait_until(pilot, lambda: "not accepted in time" in screen_text(app), what="the alert line")
        assert app.focused is focused
        assert "Ringing" in screen_text(app)
        await pilot.press("v")  # no return visit over a ringing call
        await pilot.pause()
        assert not isinstance(app.screen, ReturnVisitsScreen)
        assert "Finish the call first." in [str(n.message) for n in app._notifications]


async def test_only_a_filed_order_is_announced_not_each_of_its_field_steps() -> None:
    app = app_with(FakeOrders())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        for index, status in enumerate(("created", "received", "dispatched", "accepted"), start=1):
            app.desk.handle_live_event(Event(id=index, kind=EventKind.TICKET, at=NOW, data={
                "id": 7, "number": "GD20261205000007", "status": status}))
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert said.count("Work order GD20261205000007 saved.") == 1
