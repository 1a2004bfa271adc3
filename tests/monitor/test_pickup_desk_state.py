"""After a supervisor picks up (代接) a call ringing at an agent, the agent goes back to the state before
the ring, not to after-call work: the desk answered only to move the call, the agent never talked.

Pilot tests of the desk with the in-process doubles of `tests/supervision_e2e/test_desk_commands.py`.
"""

from __future__ import annotations

from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import CallEnded
from tests.monitor.pickup_steps import pick_up, ring_while_ready
from tests.supervision_e2e.test_desk_commands import desk
from tests.ui.helpers import wait_until


async def test_a_picked_up_call_leaves_the_agent_in_the_state_before_the_ring() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await ring_while_ready(pilot, app, phone)
        since_ring = len(writes.states) - 1
        await pick_up(pilot, app, phone, link, transferred=True)
        await wait_until(pilot, lambda: app.desk.active_id is None, what="the call gone")
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.READY, what="back to Ready")
        states = [change.state for change in writes.states[since_ring:]]
        assert AgentStateName.ACW not in states, states
        assert states[-1] == AgentStateName.READY
        assert writes.states[-1].call_id is None


async def test_a_pickup_whose_transfer_failed_leaves_the_call_with_the_agent_and_ends_in_acw() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await ring_while_ready(pilot, app, phone)
        await pick_up(pilot, app, phone, link, transferred=False)
        assert app.desk.active_id == "c1"  # the agent has the caller now
        phone.emit(CallEnded(call_id="c1", reason="Normal call clearing", code=200, duration_s=30))
        await wait_until(pilot, lambda: writes.states[-1].state == AgentStateName.ACW, what="after-call work")
        assert app.desk.status.state == AgentStateName.ACW
