"""The steps of the pickup (代接) Pilot tests: a call ringing at a Ready desk, the supervisor's pickup.

They drive the desk built by `tests/supervision_e2e/test_desk_commands.desk()` (in-process doubles).
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from agent_tui.domain.agent import AgentStateName
from agent_tui.ui.app import DeskApp
from tests.supervision_e2e.test_desk_commands import QUEUE_HEADERS, command
from tests.ui.doubles import FakePhone
from tests.ui.helpers import wait_until


async def ring_while_ready(pilot: Pilot[Any], app: DeskApp, phone: FakePhone) -> None:
    """The desk logged in and Ready; call c1 from the queue ringing."""
    await wait_until(pilot, lambda: app.desk.logged_in)
    app.desk.set_state(AgentStateName.READY)
    phone.ring("c1", headers=QUEUE_HEADERS)
    await wait_until(pilot, lambda: app.desk.ringing_id == "c1", what="the ring")


async def pick_up(pilot: Pilot[Any], app: DeskApp, phone: FakePhone) -> int:
    """The supervisor's pickup command for c1 to 1801; waits for the desk's REFER; the command's id."""
    command_id = command(app, "pickup", call_id="c1", to="1801")
    await wait_until(pilot, lambda: "blind_transfer" in phone.names(), what="the REFER")
    return command_id
