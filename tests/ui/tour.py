"""A walk through every screen of the desk, for the snapshot suite and `scripts/screenshots.py`.

`desk_tour` drives a desk wired to the in-process doubles (`tests.ui.doubles`) the way an agent
would, by keys, and calls `visit(stop)` at each screen state; the caller checks or photographs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.callbacks import CallbacksScreen
from agent_tui.ui.desk.history import HistoryScreen
from agent_tui.ui.desk.kb import KbScreen
from agent_tui.ui.desk.login import LoginScreen
from agent_tui.ui.desk.order import OrderPickScreen
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, open_order_screen, popped, wait_until

STOPS: tuple[str, ...] = (
    "login", "idle", "help", "palette", "ringing", "on-call", "kb", "order-form", "drafts", "callbacks",
    "wrap-up", "history",
)
"""Every screen state the tour visits, in order."""

Visit = Callable[[str], Awaitable[None]]


def tour_app(language: str, *, logged_in: bool = True) -> tuple[DeskApp, Any]:
    """A desk (and its phone double) whose caller 13800138000 is a known customer with history."""
    backend = FakeBackend({"13800138000": [full_match(customer())]})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", language=language),
                                password="secret" if logged_in else None)
    return app, phone


async def login_stop(pilot: Pilot[Any], app: DeskApp, visit: Visit) -> None:
    """The login screen (an app started without a password)."""
    await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
    await pilot.pause()
    await visit("login")


async def desk_tour(pilot: Pilot[Any], app: DeskApp, phone: Any, visit: Visit) -> None:
    """Idle, F1, the palette, a ringing pop, the call, KB, an order form, the order list with its
    draft, callbacks, wrap-up after the caller hangs up, and the session's call list."""
    await wait_until(pilot, lambda: app.desk.logged_in, what="login")
    await pilot.pause()
    await visit("idle")
    await panel(pilot, app, "f1", HelpScreen, "help", visit)
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.pause()
    await visit("palette")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.desk, what="the palette closed")
    phone.ring(headers={"X-Queue": "repair"})
    await wait_until(pilot, lambda: popped(app), what="the pop")
    await pilot.pause()
    await visit("ringing")
    await pilot.press("f3")
    await wait_until(pilot, lambda: app.desk.active_id == "c1", what="answered")
    await pilot.pause()
    await visit("on-call")
    await pilot.press("ctrl+k")
    await wait_until(pilot, lambda: isinstance(app.screen, KbScreen), what="the knowledge base")
    kb = app.screen
    kb.query_one("#kb-query", Input).value = "电价"
    await pilot.press("enter")
    await wait_until(pilot, lambda: bool(getattr(kb, "articles", None)), what="a KB result")
    await pilot.pause()
    await visit("kb")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.desk, what="KB closed")
    form = await open_order_screen(pilot, app, "repair")
    await pilot.pause()
    await visit("order-form")
    await pilot.press("enter", "down", "enter")  # a fault type: the form is a draft now
    await wait_until(pilot, lambda: form.run.revision > 0, what="an answer")
    await pilot.press("escape")
    await pilot.pause()
    if app.screen is not app.desk:
        await pilot.press("y")  # "leave this work order?" (it stays as a draft)
    await wait_until(pilot, lambda: app.screen is app.desk, what="the form closed")
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens),
                     what="the order list")
    await pilot.pause()
    await visit("drafts")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.desk, what="the order list closed")
    await panel(pilot, app, "ctrl+b", CallbacksScreen, "callbacks", visit)
    await pilot.press("f4")
    await wait_until(pilot, lambda: app.desk.active_id is None, what="hung up")
    await pilot.press("f10")
    await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="the wrap-up")
    await pilot.pause()
    await visit("wrap-up")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.desk, what="the wrap-up closed")
    await panel(pilot, app, "ctrl+g", HistoryScreen, "history", visit)


async def panel(pilot: Pilot[Any], app: DeskApp, key: str, kind: type, stop: str, visit: Visit) -> None:
    """Open a panel by its key, visit it, close it with Escape."""
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, kind), what=stop)
    await pilot.pause()
    await visit(stop)
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.desk, what=f"{stop} closed")
