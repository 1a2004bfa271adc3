"""The desk tells the agent, in their language, what a network change did to the call (issue 17)."""

from __future__ import annotations

from agent_tui.phone.events import NetworkChange
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, wait_until

RESTORING = "网络已变更：正在重新注册并恢复通话…"
RESTORED = "网络已变更：通话已恢复。"


def notes(app: DeskApp) -> list[str]:
    """The texts of the notifications shown now."""
    return [str(n.message) for n in app._notifications]


async def test_a_chinese_desk_says_the_call_is_being_restored_then_restored() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}),
                                options=DeskOptions(username="agent1", language="zh"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        phone.emit(NetworkChange("recovering", "address changed", ("10.0.0.2",), ("c1",)))
        await wait_until(pilot, lambda: RESTORING in notes(app), what="the restoring note")
        phone.emit(NetworkChange("re-registered", "", ("10.0.0.2",), ("c1",)))
        phone.emit(NetworkChange("recovered", "in 0.2 s", ("10.0.0.2",), ("c1",)))
        await wait_until(pilot, lambda: RESTORED in notes(app), what="the restored note")
        assert app.desk.active_id == "c1"  # the call is still the desk's call
        assert len([n for n in notes(app) if n.startswith("网络")]) == 2  # nothing for "re-registered"
