"""A call a supervisor picked up (代接) while it rang at an agent is not a call that agent handled.

Pilot tests of the desk with the in-process doubles of `tests/supervision_e2e/test_desk_commands.py`:
the desk's call record says `picked_up` (the figures leave it out, see tests/server), and the call is
no "last call" to wrap up, so it cannot reach today's figures through a wrap-up either.
"""

from __future__ import annotations

from agent_tui.domain.call import PICKED_UP
from agent_tui.phone.events import CallEnded
from tests.monitor.pickup_steps import pick_up, ring_while_ready
from tests.supervision_e2e.test_desk_commands import desk
from tests.ui.helpers import wait_until


async def test_a_picked_up_call_is_recorded_as_picked_up_and_not_wrapped_up() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await ring_while_ready(pilot, app, phone)
        await pick_up(pilot, app, phone, link, transferred=True)
        await wait_until(pilot, lambda: any(r.call_id == "c1" for r in writes.calls), what="the record")
        records = [r for r in writes.calls if r.call_id == "c1"]
        assert [r.disposition for r in records] == [PICKED_UP]
        assert records[0].agent == "agent1"
        assert records[0].queue == "95598-repair"
        assert app.desk.last_ended_id != "c1"
        assert app.desk.stats.calls == 0
        await pilot.press("f10")  # nothing to wrap up: the picked-up call is not this agent's
        notices = app._notifications
        await wait_until(pilot, lambda: any("No call to wrap up." in str(n.message) for n in notices),
                         what="the notice")
        assert [r.disposition for r in writes.calls if r.call_id == "c1"] == [PICKED_UP]


async def test_a_failed_pickup_leaves_an_ordinary_call_record() -> None:
    app, phone, writes, link = desk()
    async with app.run_test(size=(100, 30)) as pilot:
        await ring_while_ready(pilot, app, phone)
        await pick_up(pilot, app, phone, link, transferred=False)
        phone.emit(CallEnded(call_id="c1", reason="Normal call clearing", code=200, duration_s=30))
        await wait_until(pilot, lambda: any(r.call_id == "c1" for r in writes.calls), what="the record")
        assert [r.disposition for r in writes.calls if r.call_id == "c1"] == [None]
        assert app.desk.last_ended_id == "c1"
