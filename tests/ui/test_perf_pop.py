"""Structural guards for the screen-pop speed work (no timing): what a pop asks of the backend, what it
moves on screen and what it draws again. bench/screen_pop.py and bench/terminal_bytes.py measure."""

from __future__ import annotations

from agent_tui.desk.calls import LookupState
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.customer import Customer
from agent_tui.phone.events import CallEnded
from agent_tui.ui.desk.call_bar import RingingBanner
from agent_tui.ui.desk.call_strip import CallStrip
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.status_bar import StatusBar
from tests.ui.doubles import FakeBackend, FakeWrites, customer, full_match
from tests.ui.helpers import make_app, popped, wait_until


class CountingBackend(FakeBackend):
    """Counts every request a pop makes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fetched: list[int] = []

    async def get_customer(self, customer_id: int) -> Customer:
        self.fetched.append(customer_id)
        return await super().get_customer(customer_id)

    def requests(self) -> int:
        return len(self.lookups) + len(self.fetched)


def ivr_backend() -> tuple[CountingBackend, Customer]:
    c = customer(cid=42, account="9988776655")
    return CountingBackend({"acct:9988776655": [full_match(c)], "13800138000": [full_match(c)]}), c


async def test_ivr_customer_id_and_account_cost_one_request() -> None:
    backend, c = ivr_backend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Customer-Id": str(c.id), "X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        assert backend.requests() == 1
        assert backend.lookups == [(None, c.account)]
        session = app.desk.calls["c1"]
        assert session.customer is not None
        assert session.customer.id == c.id
        assert session.match is not None
        assert session.match.last_case is not None


async def test_customer_id_not_under_the_ivr_account_still_wins() -> None:
    backend, c = ivr_backend()
    other = customer(cid=43, name="李四", account="1111111111")
    backend.by_id[other.id] = other
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Customer-Id": str(other.id), "X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        session = app.desk.calls["c1"]
        assert session.customer is not None
        assert session.customer.id == other.id
        assert backend.fetched == [other.id]


async def test_customer_id_alone_fetches_the_customer_then_its_account() -> None:
    backend, c = ivr_backend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Customer-Id": str(c.id)})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        assert backend.fetched == [c.id]
        assert backend.lookups == [(None, c.account)]
        assert app.desk.calls["c1"].lookup is LookupState.FOUND


async def test_ringing_moves_nothing_on_screen() -> None:
    backend, c = ivr_backend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.pause()
        desk = app.desk
        regions = {w: w.region for w in (desk.query_one(CustomerCard), desk.query_one(RingingBanner),
                                          desk.query_one(CallStrip), desk.query_one(StatusBar))}
        phone.ring(headers={"X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        await pilot.pause()
        assert desk.query_one(RingingBanner).shown
        assert {w: w.region for w in regions} == regions
        phone.emit(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
        await wait_until(pilot, lambda: not desk.query_one(RingingBanner).shown, what="ringing over")
        await pilot.pause()
        assert {w: w.region for w in regions} == regions


async def test_a_pop_draws_the_card_once_and_unchanged_repaints_cost_nothing() -> None:
    backend, c = ivr_backend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.pause()
        desk = app.desk
        card = desk.query_one(CustomerCard)
        banner = desk.query_one(RingingBanner)
        before = card.repaints
        phone.ring(headers={"X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        assert card.repaints == before + 1, "the card was drawn pending, then filled"
        bar = desk.query_one(StatusBar)
        cells = {name: bar.cell(name).repaints for name in ("state", "sip", "link", "stats")}
        banner_repaints = banner.repaints
        desk.paint_view()
        desk.paint_view()
        await pilot.pause()
        assert card.repaints == before + 1
        assert banner.repaints == banner_repaints
        assert {name: bar.cell(name).repaints for name in cells} == cells


async def test_a_slow_lookup_still_says_looking_up() -> None:
    backend, c = ivr_backend()
    backend.delay = 1.0
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Account": c.account})
        card = app.desk.query_one(CustomerCard)
        await wait_until(pilot, lambda: "Looking up" in card.shown, what="the pending card")
        assert not popped(app)
        await wait_until(pilot, lambda: popped(app), what="card painted")


async def test_state_written_during_a_pop_keeps_its_order() -> None:
    backend, c = ivr_backend()
    writes = FakeWrites()
    app, phone, _, _ = make_app(backend, writes=writes)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        await wait_until(pilot, lambda: any(s.state == AgentStateName.RINGING for s in writes.states),
                         what="the ringing state sent")
        phone.emit(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
        await wait_until(pilot, lambda: writes.states[-1].state != AgentStateName.RINGING,
                         what="the state after ringing")
        names = [s.state for s in writes.states]
        assert names.index(AgentStateName.RINGING) < len(names) - 1


async def test_a_brief_outbox_queue_does_not_flash_syncing() -> None:
    from agent_tui.sync.desk_link import LinkStatus

    writes = FakeWrites()
    app, _, _, _ = make_app(writes=writes)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        link = app.desk.query_one(StatusBar).cell("link")
        before = link.repaints
        writes.report(LinkStatus(online=True, queued=1))
        writes.report(LinkStatus(online=True, queued=0))
        await pilot.pause()
        assert link.repaints == before
        writes.report(LinkStatus(online=False, queued=1))
        await wait_until(pilot, lambda: "queued" in link.shown, what="offline shown at once")



async def test_a_card_that_fits_costs_no_layout_pass_and_a_long_one_still_scrolls() -> None:
    """A layout pass reflows and repaints the whole screen: a pop whose card fits must not ask for one;
    a card taller than the screen must still get its height (and a scrollbar)."""
    from textual.widgets import Static

    short = customer(cid=1, account="1111111111", phone="13800000001")
    tall = customer(cid=2, account="2222222222", phone="13800000002")
    tall_match = full_match(tall)
    tall_match = tall_match.model_copy(update={"history": [tall_match.history[0]] * 20})
    backend = FakeBackend({"13800000001": [full_match(short)], "13800000002": [tall_match]})
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        card = app.desk.query_one(CustomerCard)
        body = card.query_one("#card-body", Static)
        layouts: list[bool] = []
        plain_refresh = body.refresh

        def counting_refresh(*regions: object, **kwargs: bool) -> object:
            layouts.append(bool(kwargs.get("layout")))
            return plain_refresh(*regions, **kwargs)  # type: ignore[arg-type]

        body.refresh = counting_refresh  # type: ignore[method-assign,assignment]
        phone.ring(call_id="c1", number="13800000001")
        await wait_until(pilot, lambda: popped(app, "c1"), what="the short card")
        assert layouts
        assert not any(layouts), "a card that fits asked for a layout pass"
        assert "Account: 1111111111" in card.shown
        phone.emit(CallEnded(call_id="c1", reason="cancel", code=487, duration_s=0))
        await wait_until(pilot, lambda: app.desk.ringing is None, what="the ring over")
        phone.ring(call_id="c2", number="13800000002")
        await wait_until(pilot, lambda: popped(app, "c2"), what="the tall card")
        await wait_until(pilot, lambda: body.size.height > card.size.height, what="the tall card laid out")
        assert any(layouts)
        assert card.max_scroll_y > 0
