"""The orders panel under Pilot: ctrl+g opens it loaded from the backend, live alerts land on top, the
filter cycles, enter shows the timeline, and the complaint loop runs step by step from the keys, at 80x24
and 120x40, in English and Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agent_tui.domain.base import utc_now
from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody, complaint_move
from agent_tui.domain.escalation import OrderAlert, OrderTimeline, TimePoint
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketStatus, TicketType
from agent_tui.ui.monitor.orders_panel import OrdersScreen
from agent_tui.ui.monitor.orders_timeline import OrderTimelineScreen
from agent_tui.ui.monitor.prompts import TextPrompt
from tests.monitor.doubles import make_monitor, snapshot
from tests.ui.helpers import wait_until

S = TicketStatus
NOW = utc_now()


def alert(number: str, segment: str, level: str = "breached", ago_s: int = 60, status: str = "dispatched",
          **extra: Any) -> OrderAlert:
    at = NOW - timedelta(seconds=ago_s)
    return OrderAlert(id=ago_s, ticket_id=int(number[-3:]), number=number, segment=segment,
                      level=OrderAlertLevel(level), due_at=at, raised_at=at, filed_by="agent01",
                      status=S(status), **extra)


class FakeOrders:
    """The orders backend: two open orders, a repair and a complaint, whose steps it applies."""

    def __init__(self) -> None:
        self.alerts = [alert("GD20261205000001", "accept", ago_s=120, not_accepted=True),
                       alert("GD20261205000002", "assign", "at_risk", ago_s=300, status="created")]
        self.status = {"GD20261205000002": S.CREATED}
        self.steps: list[tuple[str, ComplaintStep, ComplaintStepBody]] = []
        self.timelines: list[str] = []
        self.complaints_asked = 0
        self.fetches = 0

    async def open_alerts(self, *, limit: int = 500) -> list[OrderAlert]:
        self.fetches += 1
        return list(self.alerts)

    async def timeline(self, number: str) -> OrderTimeline:
        self.timelines.append(number)
        return OrderTimeline(id=1, number=number, ticket_type=TicketType.REPAIR, status=S.DISPATCHED,
                             created_by="agent01",
                             points=[TimePoint(point="A", status=S.CREATED, at=NOW - timedelta(minutes=9)),
                                     TimePoint(point="E", status=S.DISPATCHED,
                                               at=NOW - timedelta(minutes=6))],
                             alerts=[a for a in self.alerts if a.number == number])

    async def complaint_step(self, number: str, step: ComplaintStep, body: ComplaintStepBody) -> Ticket:
        self.steps.append((number, step, body))
        self.status[number] = complaint_move(TicketType.COMPLAINT, self.status[number], step)
        return complaint(number, self.status[number])

    async def open_complaints(self, *, limit: int = 500) -> list[Ticket]:
        self.complaints_asked += 1
        return [complaint("GD20261205000002", self.status["GD20261205000002"]),
                complaint("GD20261205000009", S.ASSIGNED, filed_ago_s=30)]


def complaint(number: str, status: TicketStatus, filed_ago_s: int = 400) -> Ticket:
    filed = NOW - timedelta(seconds=filed_ago_s)
    deadlines = [SlaDeadline(segment="assign", start=S.CREATED, end=S.ASSIGNED, limit_minutes=60,
                             due_at=filed + timedelta(minutes=60),
                             met_at=filed if status != S.CREATED else None),
                 SlaDeadline(segment="handle", start=S.CREATED, end=S.HANDLED, limit_minutes=1440,
                             due_at=filed + timedelta(days=1))]
    return Ticket(id=int(number[-3:]), number=number, status=status, created_by="agent01",
                  ticket_type=TicketType.COMPLAINT, subject="态度差", created_at=filed, updated_at=filed,
                  deadlines=deadlines)


async def opened(size: tuple[int, int], language: str = "en") -> Any:
    app, _api, _phone, feeds = make_monitor(language=language)
    orders = FakeOrders()
    app.services.orders = orders
    return app, orders, feeds


async def start(pilot: Any, app: Any, feeds: list[Any]) -> OrdersScreen:
    await wait_until(pilot, lambda: feeds, what="the feed")
    feeds[0].sink.snapshot(snapshot(agents=3))
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: isinstance(app.screen, OrdersScreen), what="the orders panel")
    screen: OrdersScreen = app.screen
    await wait_until(pilot, lambda: len(screen.shown) == 2, what="the orders")
    return screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_live_alerts_filter_and_the_timeline(size: tuple[int, int]) -> None:
    app, orders, feeds = await opened(size)
    async with app.run_test(size=size) as pilot:
        screen = await start(pilot, app, feeds)
        assert [r.number for r in screen.shown] == ["GD20261205000001", "GD20261205000002"]
        assert orders.fetches == 1
        # A live escalation arrives on the wallboard's feed: on top, counted by segment.
        late = alert("GD20261205000003", "EF", ago_s=5)
        orders.alerts.insert(0, late)  # the backend has it too (a reload lists it)
        feeds[0].sink.event(Event(id=101, kind=EventKind.ORDER_ALERT, at=NOW,
                                  data=late.model_dump(mode="json")))
        await wait_until(pilot, lambda: screen.shown[0].number == "GD20261205000003", what="the live alert")
        summary = str(screen.query_one("#ord-summary").render())
        assert "EF 1 breached" in summary
        assert "accept 1 breached" in summary
        await pilot.press("f2")  # at risk
        await wait_until(pilot, lambda: [r.number for r in screen.shown] == ["GD20261205000002"],
                         what="at risk")
        await pilot.press("f2")  # breached
        await wait_until(pilot, lambda: len(screen.shown) == 2, what="breached")
        assert "breached" in str(screen.query_one("#ord-title").render())
        await pilot.press("f2")  # every open complaint, escalated or not, loaded afresh
        await wait_until(pilot, lambda: [(r.number, r.segment) for r in screen.shown] == [
            ("GD20261205000009", "handle"), ("GD20261205000002", "assign")], what="open complaints")
        assert orders.complaints_asked == 1
        assert "open complaints" in str(screen.query_one("#ord-title").render())
        await pilot.press("f2")  # all
        await wait_until(pilot, lambda: len(screen.shown) == 3, what="all")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderTimelineScreen), what="the timeline")
        panel: OrderTimelineScreen = app.screen
        await wait_until(pilot, lambda: panel.lines, what="the timeline's lines")
        assert orders.timelines == ["GD20261205000001"]
        assert panel.lines[0] == "Order GD20261205000001 · Repair · Dispatched · filed by agent01"
        assert any("not accepted in time" in line for line in panel.lines)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="back to the panel")
        # The filer closed the order elsewhere: it leaves the list.
        feeds[0].sink.event(Event(id=102, kind=EventKind.TICKET, at=NOW,
                                  data={"id": 1, "number": "GD20261205000001", "status": "cancelled"}))
        await wait_until(pilot, lambda: len(screen.shown) == 2, what="the cancelled order gone")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.wallboard, what="the wallboard")
        # Open again: live events kept it fresh, nothing is fetched; after a gap in the feed it is.
        fetched = orders.fetches
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: app.screen is screen, what="the panel again")
        await pilot.pause()
        assert orders.fetches == fetched
        feeds[0].sink.snapshot(snapshot(agents=3))
        await wait_until(pilot, lambda: orders.fetches == fetched + 1, what="a reload after the gap")


async def answer(pilot: Any, app: Any, key: str, text: str) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt), what=f"the prompt of {key}")
    await pilot.press(*text, "enter")


async def test_the_complaint_loop_from_the_keys_in_chinese() -> None:
    app, orders, feeds = await opened((80, 24), language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, feeds)
        # The repair order is selected: the loop's keys say what they are for, and ask nothing.
        await pilot.press("f4")
        await pilot.pause()
        assert "不是投诉" in screen.message
        await pilot.press("down")
        # Out of order: the panel says which step is next and sends nothing.
        await pilot.press("f7")
        await pilot.pause()
        assert "派发" in screen.message
        assert orders.steps == []
        await answer(pilot, app, "f4", "营业厅")
        await wait_until(pilot, lambda: len(orders.steps) == 1, what="assign")
        for key, note in (("f5", "已致歉"), ("f6", "已电话告知"), ("f7", "客户满意")):
            await wait_until(pilot, lambda: app.screen is screen, what="back from the prompt")
            await answer(pilot, app, key, note)
        await wait_until(pilot, lambda: len(orders.steps) == 4, what="four steps")
        assert [(s, b.department, b.note) for _n, s, b in orders.steps] == [
            (ComplaintStep.ASSIGN, "营业厅", ""), (ComplaintStep.HANDLE, None, "已致歉"),
            (ComplaintStep.INFORM, None, "已电话告知"), (ComplaintStep.CLOSE, None, "客户满意")]
        # Closed: off the list; the panel said so in Chinese.
        await wait_until(pilot, lambda: len(screen.shown) == 1, what="the closed complaint gone")
        assert screen.message == "GD20261205000002: 已归档"
        assert "超时或临近超时工单" in str(screen.query_one("#ord-title").render())
