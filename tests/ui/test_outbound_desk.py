"""The desk carries out the outbound dialer: a Ready desk shows the offer, ctrl+y dials it, the outcome
closes it; a ring withdraws an offer (Pilot, with the doubles and an in-memory item source)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from agent_tui.desk.outbound import DialerPhase, OutboundItem, Outcome
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, CallState
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.outbound_outcome import OutboundOutcomeScreen
from agent_tui.ui.desk.outbound_preview import OutboundPreview
from agent_tui.ui.desk.services import DeskServices
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import screen_text, wait_until


class MemoryItems:
    """Items handed out once each; releases and outcomes recorded as queued, and delivered at once
    unless the backend is `down` (then they wait, and asking for an item fails)."""

    name = "callback"

    def __init__(self, items: list[OutboundItem]) -> None:
        self.items = items
        self.released: list[tuple[str, str]] = []
        self.saved: list[tuple[str, Outcome]] = []
        self.down = False
        self.asked = 0

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        self.asked += 1
        if self.down:
            raise ConnectionError("the backend is down")
        return self.items.pop(0) if self.items else None

    def release(self, item: OutboundItem, reason: str) -> str:
        self.released.append((item.item_id, reason))
        return f"r{len(self.released)}"

    def save(self, item: OutboundItem, outcome: Outcome) -> str:
        self.saved.append((item.item_id, outcome))
        return f"s{len(self.saved)}"

    def waiting(self) -> int:
        return len(self.released) + len(self.saved) if self.down else 0


def desk(source: MemoryItems, preview_s: float = 60) -> tuple[DeskApp, FakePhone]:
    phone = FakePhone()
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"), outbound=source)
    options = DeskOptions(username="agent1", outbound_mode="preview", outbound_preview_s=preview_s,
                          auto_ready_after_acw=False)
    return DeskApp(services, options, password=SecretStr("secret")), phone


def offered(app: DeskApp) -> bool:
    return app.desk.outbound.dialer.phase is DialerPhase.OFFERED


def item(n: int) -> OutboundItem:
    return OutboundItem(source="callback", item_id=str(n), number=f"1370000000{n}", name="Li Lei",
                        reason="abandoned", waiting_since=datetime.now(UTC) - timedelta(minutes=12))


async def test_ready_desk_is_offered_dials_with_ctrl_y_and_the_outcome_closes_it() -> None:
    source = MemoryItems([item(1)])
    app, phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")  # Ready
        await wait_until(pilot, lambda: offered(app), what="the offer")
        await wait_until(pilot, lambda: app.desk.query_one(OutboundPreview).text != "", what="the preview")
        assert "13700000001" in screen_text(app)
        assert "waiting 12m" in app.desk.query_one(OutboundPreview).text
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: ("make_call", ("13700000001",)) in phone.commands, what="the dial")
        await wait_until(pilot, lambda: app.desk.outbound.dialer.call_id == "out101", what="the call noted")
        phone.emit(CallState(call_id="out101", state="confirmed", code=200, direction="outbound"))
        await wait_until(pilot, lambda: app.desk.active_id == "out101", what="the answer")
        phone.emit(CallEnded(call_id="out101", reason="Normal call clearing", code=200, duration_s=40))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="the outcome")
        await pilot.press("enter")  # reached: first, as the call was answered
        await wait_until(pilot, lambda: bool(source.saved), what="the outcome saved")
        assert source.saved == [("1", Outcome("reached", "", "out101"))]
        assert source.released == []


async def test_a_ring_withdraws_the_offer_and_the_item_goes_back() -> None:
    source = MemoryItems([item(2)])
    app, phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")
        await wait_until(pilot, lambda: offered(app), what="the offer")
        phone.ring("c1", "13900000001")
        await wait_until(pilot, lambda: bool(source.released), what="the release")
        assert source.released == [("2", "inbound call")]
        await pilot.press("ctrl+y")  # nothing offered any more: nothing dialled
        assert "make_call" not in phone.names()


async def test_quitting_with_an_offer_gives_it_back() -> None:
    source = MemoryItems([item(3)])
    app, _phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")
        await wait_until(pilot, lambda: offered(app), what="the offer")
    assert source.released == [("3", "desk closed")]


async def test_with_the_backend_down_the_outcome_is_queued_and_dialing_waits_for_it() -> None:
    source = MemoryItems([item(4), item(5)])
    app, phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")
        await wait_until(pilot, lambda: offered(app), what="the offer")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: app.desk.outbound.dialer.call_id == "out101", what="the call noted")
        source.down = True  # the backend dies during the call
        phone.emit(CallEnded(call_id="out101", reason="Normal call clearing", code=200, duration_s=0))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="the outcome")
        await pilot.press("enter")  # not reached: try again later (first, as nobody answered)
        await wait_until(pilot, lambda: "Outcome queued." in [str(n.message) for n in app._notifications],
                         what="the notice")
        await wait_until(pilot, lambda: "1 queued" in app.desk.query_one(OutboundPreview).text,
                         what="the queued line")
        asked = source.asked
        app.desk.outbound.tick()  # a second passes: the outcome is still in the outbox
        assert app.desk.outbound.dialer.writing == 1
        assert source.asked == asked
        source.down = False  # the backend is back: the outbox delivered it
        app.desk.outbound.tick()
        await wait_until(pilot, lambda: offered(app), what="the next offer")
        assert app.desk.outbound.dialer.item is not None
        assert app.desk.outbound.dialer.item.item_id == "5"
        assert [(n, o.code) for n, o in source.saved] == [("4", "no_answer")]


async def test_an_outcome_left_queued_by_the_last_run_holds_the_first_offer_back() -> None:
    source = MemoryItems([item(6)])
    source.down = True
    source.saved.append(("5", Outcome("informed")))  # in the journal from before the restart
    app, _phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        assert app.desk.outbound.dialer.writing == 1
        await pilot.press("f2")
        await wait_until(pilot, lambda: "1 queued" in app.desk.query_one(OutboundPreview).text,
                         what="the queued line")
        assert source.asked == 0
        source.down = False  # delivered at last
        app.desk.outbound.tick()
        await wait_until(pilot, lambda: offered(app), what="the first offer")
