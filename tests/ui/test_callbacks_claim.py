"""The callbacks panel claims before it dials, shows who holds what, and closes callbacks.

Pilot tests with the doubles: Enter claims (a callback another agent holds is not dialled and the list
reloads), the call placed for a callback closes it through the outbox once it was answered, and `d`
closes a callback the agent holds by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from agent_tui.phone.events import CallEnded, CallState
from agent_tui.sync.callbacks import PendingCallback
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.callbacks import CallbacksScreen
from tests.ui.doubles import NOW, FakeBackend
from tests.ui.helpers import make_app, screen_text, wait_until


def backend_with_callbacks() -> FakeBackend:
    """Three callbacks: one free, one held by this agent (agent1), one held by li."""
    backend = FakeBackend()
    backend.callbacks = [
        PendingCallback(number="13900001111", at=NOW, customer_name="李四", queue="repair", id="11"),
        PendingCallback(number="13900002222", at=NOW + timedelta(minutes=1), customer_name="王五",
                        queue="repair", id="12", claimed_by="agent1"),
        PendingCallback(number="13900003333", at=NOW + timedelta(minutes=2), customer_name="赵六",
                        queue="billing", id="13", claimed_by="li"),
    ]
    return backend


async def open_panel(pilot: Pilot[Any], app: DeskApp) -> CallbacksScreen:
    await wait_until(pilot, lambda: app.desk.logged_in)
    await pilot.press("ctrl+b")
    await wait_until(pilot, lambda: isinstance(app.screen, CallbacksScreen) and len(app.screen.entries) > 0,
                     what="the callback list")
    assert isinstance(app.screen, CallbacksScreen)
    return app.screen


def notices(app: DeskApp) -> str:
    """The texts of the notifications shown now."""
    return " | ".join(str(n.message) for n in app._notifications)


def highlight(panel: CallbacksScreen, callback_id: str) -> None:
    index = next(i for i, e in enumerate(panel.entries) if e.id == callback_id)
    panel.query_one("#callbacks", OptionList).highlighted = index


async def test_the_list_shows_who_holds_a_claimed_callback() -> None:
    app, _phone, _backend, _writes = make_app(backend_with_callbacks())
    async with app.run_test(size=(110, 30)) as pilot:
        await open_panel(pilot, app)
        text = screen_text(app)
        lines = {number: next(line for line in text.splitlines() if number in line)
                 for number in ("13900001111", "13900002222", "13900003333")}
        assert "[mine]" in lines["13900002222"]
        assert "[held by li]" in lines["13900003333"]
        assert "[" not in lines["13900001111"].split("13900001111")[1]


async def test_enter_claims_then_dials_and_the_answered_call_closes_the_callback() -> None:
    app, phone, backend, writes = make_app(backend_with_callbacks())
    async with app.run_test(size=(110, 30)) as pilot:
        await open_panel(pilot, app)
        await pilot.press("enter")  # the first: 11, free
        await wait_until(pilot, lambda: "make_call" in phone.names(), what="the dial")
        assert backend.claims == ["11"]
        assert ("make_call", ("13900001111",)) in phone.commands
        await wait_until(pilot, lambda: "out101" in app.desk.callback_calls.by_call, what="the call noted")
        phone.emit(CallState(call_id="out101", state="confirmed", code=200, direction="outbound"))
        await wait_until(pilot, lambda: app.desk.active_id == "out101", what="the answer")
        assert writes.closed_callbacks == []  # not before the call is over
        phone.emit(CallEnded(call_id="out101", reason="Normal call clearing", code=200, duration_s=40))
        await wait_until(pilot, lambda: writes.closed_callbacks == [("11", True)], what="the close")


async def test_a_callback_call_nobody_answered_keeps_the_claim() -> None:
    app, phone, _backend, writes = make_app(backend_with_callbacks())
    async with app.run_test(size=(110, 30)) as pilot:
        await open_panel(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "out101" in app.desk.callback_calls.by_call, what="the call noted")
        phone.emit(CallEnded(call_id="out101", reason="Request Timeout", code=408, duration_s=0))
        await wait_until(pilot, lambda: "out101" not in app.desk.callback_calls.by_call, what="the end")
        assert writes.closed_callbacks == []
        assert writes.calls == []  # no call record either: nobody answered


async def test_a_callback_another_agent_took_is_not_dialled_and_the_list_reloads() -> None:
    backend = backend_with_callbacks()
    backend.taken["11"] = "li"  # li claimed it after this desk loaded the list
    app, phone, _backend, _writes = make_app(backend)
    async with app.run_test(size=(110, 30)) as pilot:
        panel = await open_panel(pilot, app)
        backend.callbacks[0] = PendingCallback(number="13900001111", at=NOW, customer_name="李四",
                                               queue="repair", id="11", claimed_by="li")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Already taken by li." in notices(app), what="the notice")
        await wait_until(pilot, lambda: panel.entries[0].claimed_by == "li", what="the reloaded list")
        assert backend.claims == ["11"]
        assert "make_call" not in phone.names()
        assert app.screen is panel


async def test_d_closes_a_callback_i_hold_and_only_that() -> None:
    app, phone, _backend, writes = make_app(backend_with_callbacks())
    async with app.run_test(size=(110, 30)) as pilot:
        panel = await open_panel(pilot, app)
        highlight(panel, "13")  # li's
        await pilot.press("d")
        await wait_until(pilot, lambda: "Only a callback you hold can be closed." in notices(app),
                         what="the refusal")
        assert writes.closed_callbacks == []
        highlight(panel, "12")  # mine
        await pilot.press("d")
        await wait_until(pilot, lambda: writes.closed_callbacks == [("12", True)], what="the close")
        assert [e.id for e in panel.entries] == ["11", "13"]
        assert "13900002222" not in screen_text(app)
        assert phone.names() == []
