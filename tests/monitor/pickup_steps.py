"""The steps of the pickup (代接) Pilot tests: a call ringing at a Ready desk, the supervisor's pickup.

They drive the desk built by `tests/supervision_e2e/test_desk_commands.desk()` (in-process doubles).
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import CallEnded, Transferred
from agent_tui.ui.desk.app import DeskApp
from tests.supervision_e2e.test_desk_commands import QUEUE_HEADERS, FakeSupervision, acked, command
from tests.ui.doubles import FakePhone
from tests.ui.helpers import wait_until


async def ring_while_ready(pilot: Pilot[Any], app: DeskApp, phone: FakePhone) -> None:
    """The desk logged in and Ready; call c1 from the queue ringing."""
    await wait_until(pilot, lambda: app.desk.logged_in)
    app.desk.set_state(AgentStateName.READY)
    phone.ring("c1", headers=QUEUE_HEADERS)
    await wait_until(pilot, lambda: app.desk.ringing_id == "c1", what="the ring")


async def pick_up(pilot: Pilot[Any], app: DeskApp, phone: FakePhone, link: FakeSupervision, *,
                  transferred: bool) -> None:
    """The supervisor's pickup command for c1 to 1801; once the desk sent its REFER, the transfer succeeds
    (the call leaves the desk) or the target is busy; the command's acknowledgement says which."""
    command_id = command(app, "pickup", call_id="c1", to="1801")
    await wait_until(pilot, lambda: "blind_transfer" in phone.names(), what="the REFER")
    if transferred:
        phone.emit(Transferred(call_id="c1", target="sip:1801@pbx", ok=True, code=200))
        phone.emit(CallEnded(call_id="c1", reason="transferred", code=200, duration_s=1))
    else:
        phone.emit(Transferred(call_id="c1", target="sip:1801@pbx", ok=False, code=486, reason="Busy Here"))
    assert (await acked(pilot, link, command_id)).ok is transferred
