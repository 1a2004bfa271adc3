"""The desk with a directory (listen mode, no registrar): it announces its own address when its phone is
up, and a consult, a blind transfer or a dial to a colleague's extension goes to the address their desk
announced; with no directory (a registrar routes extensions) the extension goes to the phone unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.phone.events import EngineStarted
from agent_tui.sync.directory import DeskDirectory
from agent_tui.ui.desk.transfer import TransferScreen
from tests.ui.helpers import make_app, wait_until

COLLEAGUE = "sip:agent02@127.0.0.1:5072"


class Directory:
    """The backend's directory routes in memory."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, object]] = []

    async def get_json(self, path: str) -> object:
        return [{"username": "agent02", "display_name": "Li Na", "extension": "1002", "sip_uri": COLLEAGUE,
                 "since": datetime(2026, 12, 5, tzinfo=UTC).isoformat()}]

    async def write_json(self, method: str, path: str, body: object = None) -> object:
        self.writes.append((method, path, body))
        return None


async def test_the_desk_announces_itself_and_calls_colleagues_by_extension() -> None:
    app, phone, _backend, _writes = make_app()
    backend = Directory()
    app.services.directory = DeskDirectory(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        desk = app.desk
        await wait_until(pilot, lambda: desk.logged_in)
        phone.emit(EngineStarted(address="127.0.0.1:5071", udp_port=5071))
        await wait_until(pilot, lambda: backend.writes, what="the announcement")
        assert backend.writes == [("PUT", "/v1/directory/me", {"sip_uri": "sip:agent1@127.0.0.1:5071"})]

        phone.ring()
        await wait_until(pilot, lambda: desk.ringing is not None)
        desk.action_answer()
        await wait_until(pilot, lambda: desk.active is not None)
        desk.action_transfer()
        await wait_until(pilot, lambda: isinstance(app.screen, TransferScreen), what="the transfer panel")
        app.screen.dismiss(("consult", "1002"))
        await wait_until(pilot, lambda: "consult" in phone.names(), what="the consult call")
        assert ("consult", ("c1", COLLEAGUE)) in phone.commands

        desk.dial("1002")
        await wait_until(pilot, lambda: "make_call" in phone.names(), what="the dial")
        assert ("make_call", (COLLEAGUE,)) in phone.commands


async def test_with_a_registrar_the_extension_goes_to_the_phone_as_typed() -> None:
    app, phone, _backend, _writes = make_app()
    assert app.services.directory is None
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.desk.dial("1002")
        await wait_until(pilot, lambda: "make_call" in phone.names(), what="the dial")
        assert ("make_call", ("1002",)) in phone.commands
