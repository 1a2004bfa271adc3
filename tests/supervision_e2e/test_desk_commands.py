"""The desk carries out supervisor commands and acknowledges them; its states carry the call fields.

Pilot tests with in-process doubles (the phone, the outbox, the supervision link): each command
arrives as the backend sends it (`{"command": name, "data": {...}}` for this agent).
"""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from pydantic import SecretStr
from textual.pilot import Pilot

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import CommandAck
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, MonitorStarted, Registration, Transferred
from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.services import DeskServices
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import screen_text, wait_until

QUEUE_HEADERS = {"X-Queue": "95598-repair", "X-Account": "3300112233"}
_ids = count(100)


class FakeSupervision:
    """The supervision link double: keeps the acks, answers the policy."""

    def __init__(self, show_monitored: bool = True) -> None:
        self.acks: dict[int, CommandAck] = {}
        self._show = show_monitored

    @property
    def show_monitored(self) -> bool:
        return self._show

    def ack_command(self, command_id: int, ack: CommandAck) -> None:
        self.acks[command_id] = ack


def desk(show_monitored: bool = True, missed_call_not_ready: bool = True,
         ) -> tuple[DeskApp, FakePhone, FakeWrites, FakeSupervision]:
    phone, writes, link = FakePhone(), FakeWrites(), FakeSupervision(show_monitored)
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=writes, phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"), supervision=link)
    options = DeskOptions(username="agent1", acw_mode="optional", missed_call_not_ready=missed_call_not_ready)
    app = DeskApp(services, options, password=SecretStr("secret"))
    return app, phone, writes, link


def command(app: DeskApp, name: str, **data: Any) -> int:
    """Deliver a command event for agent1 as the backend sends it; returns its id."""
    event_id = next(_ids)
    event = Event(id=event_id, kind=EventKind.COMMAND, at=utc_now(), target="agent1",
                  data={"command": name, "data": {**data, "by": "sup01"}})
    app.post_message(LiveEventMessage(event))
    return event_id


async def acked(pilot: Pilot[Any], link: FakeSupervision, command_id: int) -> CommandAck:
    await wait_until(pilot, lambda: command_id in link.acks, what=f"the ack of command {command_id}")
    return link.acks[command_id]


async def on_call(pilot: Pilot[Any], app: DeskApp, phone: FakePhone, call_id: str = "c1") -> None:
    phone.ring(call_id, headers=QUEUE_HEADERS)
    await wait_until(pilot, lambda: app.desk.ringing_id == call_id, what="the ring")
    await pilot.press("f3")
    await wait_until(pilot, lambda: app.desk.active_id == call_id, what="the answer")


async def test_coach_note_is_shown_and_acknowledged() -> None:
    app, _phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        ack = await acked(pilot, link, command(app, "coach", text="Slow down a little"))
        assert ack.ok
        assert any("Slow down a little" in note.message for note in app._notifications)


async def test_force_state_sets_the_state_and_acks_and_ready_is_refused_while_the_phone_is_down() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        ack = await acked(pilot, link, command(app, "force_state", state="not_ready", reason="meeting"))
        assert ack.ok
        assert (writes.states[-1].state, writes.states[-1].reason) == (AgentStateName.NOT_READY, "meeting")
        phone.emit(Registration(account="a", state="failed", reason="timeout"))
        await wait_until(pilot, lambda: app.desk.status.reason == "phone_offline", what="phone_offline")
        ack = await acked(pilot, link, command(app, "force_state", state="ready"))
        assert not ack.ok
        assert "offline" in ack.detail
        assert app.desk.status.state == AgentStateName.NOT_READY


async def test_phone_drop_from_not_ready_reports_phone_offline_and_comes_back() -> None:
    app, phone, writes, _link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.emit(Registration(account="a", state="registered"))
        app.desk.set_state(AgentStateName.NOT_READY, "break")
        phone.emit(Registration(account="a", state="failed", reason="timeout"))
        await wait_until(pilot, lambda: writes.states[-1].reason == "phone_offline", what="phone_offline")
        phone.emit(Registration(account="a", state="registered"))
        await wait_until(pilot, lambda: writes.states[-1].reason == "break", what="back to break")
        app.desk.set_state(AgentStateName.READY)
        phone.emit(Registration(account="a", state="failed", reason="timeout"))
        await wait_until(pilot, lambda: writes.states[-1].reason == "phone_offline", what="from Ready")


async def test_states_carry_the_call_fields_and_hold() -> None:
    app, phone, writes, _link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.desk.set_state(AgentStateName.READY)
        phone.ring("c1", headers=QUEUE_HEADERS)
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.RINGING, what="ringing")
        ringing = writes.states[-1]
        assert (ringing.call_id, ringing.call_number, ringing.queue) == ("c1", "13800138000", "95598-repair")
        await pilot.press("f3")
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.ON_CALL, what="on call")
        assert writes.states[-1].call_id == "c1"
        assert not writes.states[-1].on_hold
        await pilot.press("f5")
        await wait_until(pilot, lambda: writes.states[-1].on_hold, what="on hold")
        assert writes.states[-1].call_id == "c1"
        await pilot.press("f5")
        await wait_until(pilot, lambda: not writes.states[-1].on_hold, what="resumed")
        await pilot.press("f4")
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.ACW, what="after-call work")
        assert writes.states[-1].call_id == "c1"


async def test_a_missed_ring_goes_back_to_the_state_before_it() -> None:
    app, phone, writes, _link = desk(missed_call_not_ready=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.desk.set_state(AgentStateName.READY)
        phone.ring("c1")
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.RINGING, what="ringing")
        phone.emit(CallEnded(call_id="c1", reason="Request Terminated", code=487, duration_s=0))
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.READY, what="back to Ready")
        assert writes.states[-1].call_id is None


async def test_force_release_hangs_up_and_acks_when_the_call_ended() -> None:
    app, phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await on_call(pilot, app, phone)
        ack = await acked(pilot, link, command(app, "force_release", call_id="c1"))
        assert ack.ok, ack.detail
        assert ("hangup", ("c1",)) in phone.commands
        assert app.desk.active_id is None


async def test_force_release_without_such_a_call_fails_clearly() -> None:
    app, _phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        ack = await acked(pilot, link, command(app, "force_release", call_id="nope"))
        assert not ack.ok
        assert "nope" in ack.detail


async def test_force_transfer_sends_the_case_headers_and_acks_on_the_final_notify() -> None:
    app, phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await on_call(pilot, app, phone)
        command_id = command(app, "force_transfer", call_id="c1", target="2002")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names(), what="the REFER")
        assert ("blind_transfer", ("c1", "2002")) in phone.commands
        assert phone.transfer_headers["X-Queue"] == "95598-repair"
        assert phone.transfer_headers["X-Account"] == "3300112233"
        assert command_id not in link.acks  # not before the target took the call
        phone.emit(Transferred(call_id="c1", target="sip:2002@pbx", ok=True, code=200))
        ack = await acked(pilot, link, command_id)
        assert ack.ok
        assert "2002" in ack.detail


async def test_failed_transfer_is_acknowledged_as_failed() -> None:
    app, phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await on_call(pilot, app, phone)
        command_id = command(app, "force_transfer", call_id="c1", target="2002")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names(), what="the REFER")
        phone.emit(Transferred(call_id="c1", target="sip:2002@pbx", ok=False, code=486, reason="Busy Here"))
        ack = await acked(pilot, link, command_id)
        assert not ack.ok
        assert "486" in ack.detail


async def test_pickup_answers_the_ringing_call_and_moves_it_to_the_supervisor() -> None:
    app, phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring("c1", headers=QUEUE_HEADERS)
        await wait_until(pilot, lambda: app.desk.ringing_id == "c1", what="the ring")
        command_id = command(app, "pickup", call_id="c1", to="1801")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names(), what="the REFER")
        assert phone.names().index("answer") < phone.names().index("blind_transfer")
        assert ("blind_transfer", ("c1", "1801")) in phone.commands
        phone.emit(Transferred(call_id="c1", target="sip:1801@pbx", ok=True, code=200))
        ack = await acked(pilot, link, command_id)
        assert ack.ok


async def test_pickup_of_an_answered_call_is_refused() -> None:
    app, phone, _writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await on_call(pilot, app, phone)
        ack = await acked(pilot, link, command(app, "pickup", call_id="c1", to="1801"))
        assert not ack.ok
        assert "ringing" in ack.detail
        assert "blind_transfer" not in phone.names()


@pytest.mark.parametrize("show", [True, False])
async def test_monitored_mark_follows_the_policy(show: bool) -> None:
    app, phone, _writes, _link = desk(show_monitored=show)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await on_call(pilot, app, phone)
        phone.emit(MonitorStarted(call_id="m1", mode="listen", supervisor="sup01", target_call_id="c1"))
        await wait_until(pilot, lambda: "m1" in app.desk.supervisor.monitors, what="the monitoring call")
        if show:
            await wait_until(pilot, lambda: "[monitored]" in screen_text(app), what="the mark")
        else:
            await pilot.pause()
            assert "[monitored]" not in screen_text(app)
        phone.emit(CallEnded(call_id="m1", reason="remote hangup", code=200, duration_s=3))
        await wait_until(pilot, lambda: not app.desk.supervisor.monitors, what="monitoring over")
        await wait_until(pilot, lambda: "[monitored]" not in screen_text(app), what="the mark gone")


async def test_force_not_ready_during_a_call_is_acked_as_after_this_call_and_taken_after_wrap_up() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.desk.set_state(AgentStateName.READY)
        await on_call(pilot, app, phone)
        ack = await acked(pilot, link, command(app, "force_state", state="not_ready", reason="meeting"))
        assert (ack.ok, ack.reason) == (True, "after_call")
        assert "after this call" in ack.detail
        assert app.desk.status.state == AgentStateName.ON_CALL  # the call goes on
        await pilot.press("f4")
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.ACW, what="after-call work")
        # The agent ends wrap-up with Ready: the supervisor's state is taken instead.
        await pilot.press("r")
        await wait_until(pilot, lambda: (writes.states[-1].state, writes.states[-1].reason)
                         == (AgentStateName.NOT_READY, "meeting"), what="Not Ready after the call")
