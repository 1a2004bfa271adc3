"""Helpers for Pilot tests: the screen as plain text, and waiting for a condition with a deadline."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import OptionList

from agent_tui.desk.calls import LookupState
from agent_tui.domain.agent import AgentStateName
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.form import FormScreen
from agent_tui.ui.desk.order import OrderPickScreen
from agent_tui.ui.desk.services import DeskServices
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as plain text lines (one per row)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], object], deadline_s: float = 5.0,
                     what: str = "condition") -> None:
    """Let the app run until `predicate()` holds; fail after `deadline_s` seconds."""
    deadline = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


def make_app(backend: FakeBackend | None = None, *, options: DeskOptions | None = None,
             password: str | None = "secret", phone: FakePhone | None = None,
             writes: FakeWrites | None = None) -> tuple[DeskApp, FakePhone, FakeBackend, FakeWrites]:
    """A desk App wired to doubles, logged in with `password` (None: shows the login screen)."""
    from pydantic import SecretStr

    phone = phone or FakePhone()
    backend = backend or FakeBackend()
    writes = writes or FakeWrites()
    services = DeskServices(backend=backend, writes=writes, phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"))
    app = DeskApp(services, options or DeskOptions(username="agent1"),
                  password=SecretStr(password) if password is not None else None)
    return app, phone, backend, writes


def popped(app: DeskApp, call_id: str = "c1") -> bool:
    """Whether the call's card was painted (its pop latency is recorded)."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.pop_latency_ms is not None


def lookup_is(app: DeskApp, state: LookupState, call_id: str = "c1") -> bool:
    """Whether the call's lookup reached `state`."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.lookup is state


def has_customer(app: DeskApp, call_id: str = "c1") -> bool:
    """Whether the call has its customer settled."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.customer is not None


async def answer_first_call(pilot: Pilot[Any], app: DeskApp, phone: FakePhone, *, call_id: str = "c1",
                            number: str = "13800138000", headers: dict[str, str] | None = None,
                            deadline_s: float = 5.0) -> None:
    """Log in, ring `call_id`, wait for its card, press F3 and wait until it is the call being talked on:
    the start of most desk tests (each waits on an event, never a sleep)."""
    await wait_until(pilot, lambda: app.desk.logged_in, deadline_s=deadline_s, what="login")
    phone.ring(call_id=call_id, number=number, headers=headers)
    await wait_until(pilot, lambda: popped(app, call_id), deadline_s=deadline_s, what=f"{call_id} popped")
    await pilot.press("f3")
    await wait_until(pilot, lambda: app.desk.active_id == call_id, deadline_s=deadline_s,
                     what=f"{call_id} answered")


def state_of(app: DeskApp) -> AgentStateName:
    """The agent state the desk shows (a function, so mypy does not narrow it across awaits)."""
    return app.desk.status.state


async def open_order_screen(pilot: Pilot[Any], app: DeskApp, screen_id: str) -> FormScreen:
    """F9, pick the screen called `screen_id`, and return the form once its first step is drawn."""
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens),
                     what="the screen list")
    picker = app.screen
    assert isinstance(picker, OrderPickScreen)
    index = [s.id for s in picker.screens].index(screen_id) + len(picker.drafts)
    picker.query_one("#order-screens", OptionList).highlighted = index
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
    form = app.screen
    assert isinstance(form, FormScreen)
    await wait_until(pilot, lambda: bool(form.query(".field-label")), what="the first step")
    return form


async def fill_repair_order(pilot: Pilot[Any], form: FormScreen, description: str) -> None:
    """Through the repair screen by keystrokes: fault "other", the prefilled or typed address,
    a description, read-back; ends on the submit step."""
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*["down"] * 6, "enter")
    await wait_until(pilot, lambda: form.run.value("fault_type") == "other", what="fault type")
    await pilot.press("ctrl+right")
    await wait_until(pilot, lambda: form.run.step.id == "location", what="location step")
    if form.run.value("address") is None:
        await pilot.click("#field-address")
        await pilot.press(*"1 Test Road")
    await pilot.press("ctrl+right")
    await wait_until(pilot, lambda: form.run.step.id == "contact", what="contact step")
    await pilot.click("#field-description")
    await pilot.press(*description)
    await wait_until(pilot, lambda: form.run.value("description") == description, what="description")
    await pilot.press("ctrl+right")
    await wait_until(pilot, lambda: form.run.step.id == "readback", what="read-back")
    await pilot.press("ctrl+right")
    await wait_until(pilot, lambda: form.run.complete, what="the end step")
