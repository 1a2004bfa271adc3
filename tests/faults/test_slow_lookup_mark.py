"""The pop card's lasting "slow lookup (N.N s)" mark, with an in-process slow backend double (Pilot).

The end-to-end fault test (test_netem_slow_link.py) sees the same mark over a delayed, lossy loopback;
these show its rules quickly: the threshold comes from the options (config `desk.slow_lookup_s`), the
figure is how long the lookup took, the mark stays after the card arrives, it never hides a failed
lookup's message, and it speaks the agent's language.
"""

from __future__ import annotations

import re
from typing import Any

from textual.pilot import Pilot

from agent_tui.desk.calls import LookupState
from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.customer_card import CustomerCard
from tests.ui.doubles import FakeBackend, FakePhone, customer, full_match
from tests.ui.helpers import lookup_is, make_app, screen_text, wait_until

NUMBER = "13800138000"
MARK = re.compile(r"\[slow lookup \((\d+\.\d) s\)\]")


def card_text(app: DeskApp) -> str:
    """The card's plain text."""
    return app.desk.query_one(CustomerCard).shown


async def ring_after_login(pilot: Pilot[Any], app: DeskApp, phone: FakePhone, backend: FakeBackend, *,
                           delay_s: float) -> None:
    """Once the desk is logged in, the backend answers lookups `delay_s` late and NUMBER rings."""
    await wait_until(pilot, lambda: app.desk.logged_in, what="login")
    backend.delay = delay_s
    phone.ring(number=NUMBER)


async def test_a_lookup_slower_than_the_threshold_shows_how_long_it_took() -> None:
    backend = FakeBackend({NUMBER: [full_match(customer())]})
    options = DeskOptions(username="agent1", slow_lookup_s=0.2)
    app, phone, _, _ = make_app(backend, options=options)
    async with app.run_test(size=(120, 40)) as pilot:
        await ring_after_login(pilot, app, phone, backend, delay_s=0.5)
        await wait_until(pilot, lambda: "张三" in card_text(app), what="card painted")
        found = MARK.search(card_text(app))
        assert found is not None, card_text(app)
        seconds = float(found.group(1))
        assert 0.5 <= seconds < 3.0, seconds  # the double's delay, rounded to a tenth, plus the desk's own
        assert app.desk.slow_lookups["c1"] is not None
        assert found.group(0) in screen_text(app)  # on the terminal, not only in the widget's state
        app.desk.paint_view()  # any later repaint keeps it: the mark is lasting, not a flash
        await pilot.pause()
        assert MARK.search(card_text(app)) is not None


async def test_a_lookup_under_the_threshold_has_no_mark() -> None:
    backend = FakeBackend({NUMBER: [full_match(customer())]})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", slow_lookup_s=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await ring_after_login(pilot, app, phone, backend, delay_s=0.3)
        await wait_until(pilot, lambda: "张三" in card_text(app), what="card painted")
        assert "slow" not in card_text(app)
        assert "c1" not in app.desk.slow_lookups


async def test_the_mark_never_hides_a_failed_lookup() -> None:
    backend = FakeBackend()
    options = DeskOptions(username="agent1", slow_lookup_s=0.1, lookup_timeout_s=0.4)
    app, phone, _, _ = make_app(backend, options=options)
    async with app.run_test(size=(120, 40)) as pilot:
        await ring_after_login(pilot, app, phone, backend, delay_s=5)
        await wait_until(pilot, lambda: lookup_is(app, LookupState.FAILED), what="lookup timed out")
        await wait_until(pilot, lambda: "Customer lookup failed" in card_text(app), what="failure shown")
        found = MARK.search(card_text(app))
        assert found is not None, card_text(app)
        assert float(found.group(1)) >= 0.4


async def test_the_mark_in_chinese() -> None:
    backend = FakeBackend({NUMBER: [full_match(customer())]})
    options = DeskOptions(username="agent1", language="zh", slow_lookup_s=0.1)
    app, phone, _, _ = make_app(backend, options=options)
    async with app.run_test(size=(120, 40)) as pilot:
        await ring_after_login(pilot, app, phone, backend, delay_s=0.3)
        await wait_until(pilot, lambda: "张三" in card_text(app), what="card painted")
        assert re.search(r"查询慢（\d+\.\d 秒）", card_text(app)), card_text(app)
        assert "slow lookup" not in card_text(app)


def test_both_locales_have_the_mark() -> None:
    en = Translator("en").t("slow lookup ({seconds} s)", seconds="1.5")
    zh = Translator("zh").t("slow lookup ({seconds} s)", seconds="1.5")
    assert en == "slow lookup (1.5 s)"
    assert zh != en
    assert "1.5" in zh
