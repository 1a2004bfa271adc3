"""Interventions from the wallboard keys: the right backend requests, the phone's monitoring calls, errors."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.supervision import CommandStatus, InterventionKind
from agent_tui.phone.events import CallEnded, CallState, MonitorModeChanged
from agent_tui.ui.common.messages import PhoneEventMessage
from agent_tui.ui.common.reason import ReasonScreen
from agent_tui.ui.monitor.prompts import TextPrompt
from agent_tui.ui.monitor.wallboard import WallboardScreen
from tests.monitor.doubles import FakeApi, agent_row, make_monitor, snapshot
from tests.ui.helpers import screen_text, wait_until


def last_kind(api: FakeApi) -> InterventionKind:
    """The kind of the newest intervention asked for."""
    return api.requests[-1].kind


def notices(app: Any) -> str:
    """Every notification shown so far, as one text."""
    return " | ".join(str(n.message) for n in app._notifications)


async def _ready(pilot: Any, app: Any, feeds: list[Any]) -> WallboardScreen:
    await wait_until(pilot, lambda: feeds, what="the feed")
    snap = snapshot(agents=5)
    snap.agents[2] = agent_row(3, AgentStateName.ON_CALL, call_id="call-77", call_number="13800138000")
    feeds[0].sink.snapshot(snap)
    wb: WallboardScreen = app.wallboard
    await wait_until(pilot, lambda: wb.agents.row_count == 5, what="rows")
    wb.agents.move_cursor(row=wb.agents.get_row_index("agent0003"))
    await pilot.pause()
    selected = wb.selected()
    assert selected is not None
    assert selected.username == "agent0003"
    return wb


async def test_listen_whisper_barge_and_stop() -> None:
    app, api, phone, feeds = make_monitor()
    async with app.run_test(size=(100, 30)) as pilot:
        wb = await _ready(pilot, app, feeds)
        await pilot.press("f2")
        await wait_until(pilot, lambda: phone.calls, what="the monitoring call")
        assert api.requests[0].kind == InterventionKind.LISTEN
        assert api.requests[0].agent == "agent0003"
        target, headers = phone.calls[0]
        assert target == "sip:agent0003@127.0.0.1:5999"  # from the local directory
        assert headers == {"X-Monitor": "listen", "X-Monitor-Token": "tok-listen-1"}
        await wait_until(pilot, lambda: "Listening to agent0003" in screen_text(app), what="status")
        # Before the call is answered a switch calls again, the old call hung up.
        await pilot.press("f3")
        await wait_until(pilot, lambda: len(phone.calls) == 2, what="the whisper call")
        assert phone.calls[1][1]["X-Monitor"] == "whisper"
        assert phone.hungup == ["call-1"]
        await wait_until(pilot, lambda: "Whispering to agent0003" in screen_text(app), what="status")
        # Answered: a switch is a new token sent within the call, no re-dial.
        app.post_message(PhoneEventMessage(CallState("call-2", "confirmed", 200, "OK", "outbound")))
        await wait_until(pilot, lambda: getattr(app.interventions.current, "answered", False),
                         what="answered")
        await pilot.press("f4")
        await wait_until(pilot, lambda: phone.mode_changes, what="the barge mode change")
        assert phone.mode_changes == [("call-2", "barge", "tok-barge-3")]
        assert len(phone.calls) == 2
        assert phone.hungup == ["call-1"]
        app.post_message(PhoneEventMessage(MonitorModeChanged("call-2", "barge", True, 200)))
        await wait_until(pilot, lambda: "Barged in on agent0003" in screen_text(app), what="status")
        # Refused (403): the mode in force is shown again, and the refusal said.
        await pilot.press("f2")
        await wait_until(pilot, lambda: len(phone.mode_changes) == 2, what="the listen mode change")
        app.post_message(PhoneEventMessage(MonitorModeChanged("call-2", "listen", False, 403)))
        await wait_until(pilot, lambda: "refused the mode change" in notices(app), what="the refusal")
        await wait_until(pilot, lambda: "Barged in on agent0003" in screen_text(app), what="status")
        assert [r.kind for r in api.requests] == [InterventionKind.LISTEN, InterventionKind.WHISPER,
                                                  InterventionKind.BARGE, InterventionKind.LISTEN]
        await pilot.press("f5")
        assert phone.hungup == ["call-1", "call-2"]
        assert wb.interventions.current is None


async def test_monitoring_call_ended_by_the_far_end_is_shown() -> None:
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(pilot, app, feeds)
        await pilot.press("f2")
        await wait_until(pilot, lambda: "Listening" in screen_text(app), what="listening")
        app.post_message(PhoneEventMessage(CallEnded("call-1", "remote hangup", 200, 3.0, None, "outbound")))
        await wait_until(pilot, lambda: "Listening" not in screen_text(app), what="ended")
        # The agent's phone ends monitoring with the monitored call: the supervisor is told whose ended.
        told = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Monitoring of ") and "their call ended" in m for m in told), told


async def test_desk_commands_go_to_the_backend() -> None:
    app, api, _phone, feeds = make_monitor()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(pilot, app, feeds)
        await pilot.press("f6")
        await wait_until(pilot, lambda: len(api.requests) == 1, what="force ready")
        assert last_kind(api) == InterventionKind.FORCE_READY
        await pilot.press("f8")
        await wait_until(pilot, lambda: len(api.requests) == 2, what="release")
        assert last_kind(api) == InterventionKind.FORCE_RELEASE
        assert api.requests[-1].call_id == "call-77"
        await pilot.press("f10")
        await wait_until(pilot, lambda: len(api.requests) == 3, what="pickup")
        assert last_kind(api) == InterventionKind.PICKUP
        # Not Ready asks for the reason (phone_offline is not one a supervisor sets).
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), what="reasons")
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["break", "meal"]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: len(api.requests) == 4, what="force not ready")
        assert last_kind(api) == InterventionKind.FORCE_NOT_READY
        assert api.requests[-1].reason == "meal"
        # Transfer and coaching ask for text.
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt), what="transfer prompt")
        app.screen.query_one(Input).value = "1805"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(api.requests) == 5, what="transfer")
        assert last_kind(api) == InterventionKind.FORCE_TRANSFER
        assert api.requests[-1].target == "1805"
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt), what="coach prompt")
        app.screen.query_one(Input).value = "Offer the callback \x1b[31m"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(api.requests) == 6, what="coach")
        assert last_kind(api) == InterventionKind.COACH
        assert api.requests[-1].text == "Offer the callback"  # the escape sequence removed whole
        assert {r.agent for r in api.requests} == {"agent0003"}


async def test_offline_agent_shows_the_backends_error() -> None:
    app, api, phone, feeds = make_monitor()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(pilot, app, feeds)
        api.refuse = "agent0003's phone is offline (since 09:12:00 UTC): listen is not possible"
        await pilot.press("f2")
        await wait_until(pilot, lambda: "phone is offline (since 09:12:00 UTC)" in notices(app),
                         what="the error")
        assert phone.calls == []
        assert app.wallboard.interventions.current is None


async def test_no_agent_selected_and_not_a_supervisor() -> None:
    from agent_tui.domain.session import Role

    app, api, _phone, feeds = make_monitor(role=Role.AGENT)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "not a supervisor" in notices(app), what="refusal")
        assert feeds == []
        await pilot.press("f6")
        await wait_until(pilot, lambda: "Select an agent first" in notices(app), what="hint")
        assert api.requests == []


async def test_the_supervisor_sees_what_became_of_each_command() -> None:
    app, api, _phone, feeds = make_monitor()
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(pilot, app, feeds)
        # The reason dialog names the agent it is about.
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), what="reasons")
        assert "Force agent0003 Not Ready: why?" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(api.requests) == 1, what="force not ready")
        await wait_until(pilot, lambda: "Sent to agent0003" in notices(app), what="sent")
        assert "after this call" not in notices(app)  # nothing claimed before the desk answers
        api.outcomes[1] = (CommandStatus.DONE, "after_call", "on a call: not ready after this call")
        pending = "agent0003 is on a call: Force not ready after this call."
        await wait_until(pilot, lambda: pending in notices(app), what="applied after the call")
        await pilot.press("f6")
        await wait_until(pilot, lambda: len(api.requests) == 2, what="force ready")
        api.outcomes[2] = (CommandStatus.FAILED, "phone_offline", "the agent's phone is offline")
        await wait_until(pilot, lambda: "agent0003's desk refused Force ready: the agent's phone is offline."
                         in notices(app), what="the refusal")
        await pilot.press("f8")
        await wait_until(pilot, lambda: len(api.requests) == 3, what="release")
        api.outcomes[3] = (CommandStatus.NOT_DELIVERED, "", "")
        lost = "Force release not delivered to agent0003: no answer from the desk in 25 s."
        await wait_until(pilot, lambda: lost in notices(app), what="not delivered")
        # A refusal the monitor has no words for shows the desk's own detail, as text.
        await pilot.press("f6")
        await wait_until(pilot, lambda: len(api.requests) == 4, what="force ready again")
        api.outcomes[4] = (CommandStatus.FAILED, "", "[b]odd[/b] reason")
        await wait_until(pilot, lambda: "refused Force ready: [b]odd[/b] reason." in notices(app),
                         what="the desk's detail")
        odd = next(n for n in app._notifications if "odd" in str(n.message))
        assert odd.markup is False
