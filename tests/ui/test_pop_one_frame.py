"""Issue 11: a ring's banner and a quick lookup's card are drawn in one paint; a lookup that never answers
does not hold the banner back (RING_GRACE_S in ui/desk/desk_events.py). Paints are counted, not timed."""

from __future__ import annotations

import asyncio

from agent_tui.desk.calls import LookupState
from agent_tui.domain.customer import LookupResult
from agent_tui.ui.desk.call_bar import RingingBanner
from agent_tui.ui.desk.customer_card import CustomerCard
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, popped, wait_until


class SilentBackend(FakeBackend):
    """A backend whose lookups never answer (until the test ends)."""

    def __init__(self) -> None:
        super().__init__()
        self.never = asyncio.Event()

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        self.lookups.append((phone, account))
        await self.never.wait()
        return LookupResult(matches=[])


async def test_a_quick_lookup_draws_banner_and_card_in_one_paint() -> None:
    c = customer(cid=7, account="5555666677")
    app, phone, _, _ = make_app(FakeBackend({"acct:5555666677": [full_match(c)]}))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.pause()
        desk = app.desk
        banner, card = desk.query_one(RingingBanner), desk.query_one(CustomerCard)
        base = (banner.repaints, card.repaints)
        paints: list[tuple[int, int]] = []
        plain_paint = desk.paint_view

        def counting_paint() -> None:
            plain_paint()
            paints.append((banner.repaints - base[0], card.repaints - base[1]))

        desk.paint_view = counting_paint  # type: ignore[method-assign]
        phone.ring(headers={"X-Account": c.account})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        changed = [p for p in paints if p != (0, 0)]
        assert changed[0] == (1, 1), f"banner and card came in separate paints: {paints}"
        assert banner.shown
        assert "5555666677" in card.shown


async def test_a_lookup_that_never_answers_still_shows_the_banner() -> None:
    backend = SilentBackend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        banner = app.desk.query_one(RingingBanner)
        phone.ring(number="13800001234")
        await wait_until(pilot, lambda: bool(banner.shown), what="the ringing banner")
        assert "13800001234" in banner.shown
        assert app.desk.calls["c1"].lookup is LookupState.PENDING
        assert not popped(app)
        backend.never.set()
