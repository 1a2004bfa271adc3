""""SIP ok" means calls can reach this desk: a registrar answering pings is not enough before the
phone is registered (found over a lossy link: calls got 404 while the bar said "SIP ok")."""

from __future__ import annotations

from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import Health, Registration
from tests.ui.helpers import make_app, screen_text, wait_until


async def test_pings_answered_before_the_registration_are_not_ok() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.emit(Registration(account="a", state="registering"))
        phone.emit(Health(account="a", ok=True, detail="OPTIONS 200"))
        phone.emit(Registration(account="a", state="failed", reason="408 Request Timeout"))
        await wait_until(pilot, lambda: app.desk.sip_ok is False)
        phone.emit(Health(account="a", ok=True, detail="OPTIONS 200"))
        await wait_until(pilot, lambda: "SIP down" in screen_text(app))
        assert app.desk.sip_ok is False
        phone.emit(Registration(account="a", state="registered"))
        await wait_until(pilot, lambda: "SIP ok" in screen_text(app))


async def test_after_the_registrar_comes_back_ready_returns_with_the_registration() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.emit(Registration(account="a", state="registered"))
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.READY)
        phone.emit(Health(account="a", ok=False, detail="timeout"))
        await wait_until(pilot, lambda: app.desk.status.reason == "phone_offline")
        phone.emit(Registration(account="a", state="registering", reason="registrar is back"))
        phone.emit(Health(account="a", ok=True))
        phone.emit(Registration(account="a", state="registering", reason="still"))
        await wait_until(pilot, lambda: app.desk.sip_registered is False)
        assert app.desk.status.reason == "phone_offline"
        phone.emit(Registration(account="a", state="registered"))
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.READY)
