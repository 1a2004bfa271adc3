"""Ringing and screen pop: banner at once, card before answer, hostile names, dead backend."""

from __future__ import annotations

from agent_tui.desk.calls import LookupState
from agent_tui.domain.agent import AgentStateName
from agent_tui.ui.desk.call_bar import RingingBanner
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import has_customer, lookup_is, make_app, popped, screen_text, wait_until


async def test_card_shows_before_answer_with_last_case_first() -> None:
    c = customer()
    backend = FakeBackend({"13800138000": [full_match(c)]})
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring(headers={"X-Queue": "repair"})
        await wait_until(pilot, lambda: popped(app), what="card painted")
        text = screen_text(app)
        assert "张三" in text
        assert "3300112233" in text
        assert "Meter reads too high" in text
        assert "SLA breached" in text
        assert "Planned maintenance" in text
        assert text.index("Last contact") < text.index("Open tickets")
        assert "repair" in app.desk.query_one(RingingBanner).shown
        assert "answer" not in phone.names()
        latency = app.desk.calls["c1"].pop_latency_ms
        assert latency is not None
        assert 0 <= latency < 2000
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.ON_CALL, what="on call")
        assert phone.commands[-1] == ("answer", ("c1",))


async def test_ivr_account_header_wins_over_number() -> None:
    c = customer(account="9988776655")
    backend = FakeBackend({"acct:9988776655": [full_match(c)]})
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring(number="01012345678", headers={"X-Account": "9988776655"})
        await wait_until(pilot, lambda: lookup_is(app, LookupState.FOUND))
        assert backend.lookups == [(None, "9988776655")]


async def test_hostile_caller_name_is_plain_text() -> None:
    hostile = "[b red]Evil[/] \x1b[31m\x07 [link=http://x]" + "A" * 8000
    app, phone, _, _ = make_app(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring(display=hostile, number="555\udcff1")
        await wait_until(pilot, lambda: "Evil" in app.desk.query_one(RingingBanner).shown)
        banner = app.desk.query_one(RingingBanner).shown
        assert "[b red]Evil[/]" in banner
        assert "\x1b" not in banner
        assert "\x07" not in banner
        assert len(banner) < 400
        text = screen_text(app)
        assert "[b red]Evil[/]" in text


async def test_dead_backend_card_says_so_and_call_can_be_answered() -> None:
    backend = FakeBackend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        backend.dead = True
        phone.ring()
        await wait_until(pilot, lambda: lookup_is(app, LookupState.FAILED))
        text = screen_text(app)
        assert "Customer lookup failed" in text
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c1")


async def test_slow_backend_times_out_in_the_card() -> None:
    from agent_tui.ui.common.options import DeskOptions

    backend = FakeBackend()
    app, phone, _, _ = make_app(backend, options=DeskOptions(lookup_timeout_s=0.2))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        backend.delay = 5
        phone.ring()
        await wait_until(pilot, lambda: lookup_is(app, LookupState.FAILED))
        assert "did not answer in time" in screen_text(app)


async def test_several_matches_pick_list() -> None:
    a, b = customer(cid=1, name="Alice"), customer(cid=2, name="Bob", account="1111111111")
    backend = FakeBackend({"13800138000": [full_match(a), full_match(b)]})
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring()
        await wait_until(pilot, lambda: lookup_is(app, LookupState.SEVERAL))
        assert "2 customers match" in screen_text(app)
        await pilot.press("ctrl+u")
        await pilot.pause()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: has_customer(app))
        customer_found = app.desk.calls["c1"].customer
        assert customer_found is not None
        assert customer_found.name == "Bob"


async def test_no_match_create_inline() -> None:
    backend = FakeBackend()
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring(number="13811112222")
        await wait_until(pilot, lambda: lookup_is(app, LookupState.NONE))
        await pilot.press("ctrl+u")
        await pilot.pause()
        await pilot.press(*"1234567890")
        await pilot.press("tab", *"Wang", "enter")
        await wait_until(pilot, lambda: has_customer(app))
        assert backend.created[0].phones == ["13811112222"]
        assert backend.created[0].account == "1234567890"
