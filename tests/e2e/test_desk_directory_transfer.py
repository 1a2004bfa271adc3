"""Two desks with no PBX: desk A transfers its caller to '1002' and the desk of agent02 rings.

Real parts: the reference backend, desk A (the desk's own code, pjsua2, listen mode, under Pilot), desk B
(`agent-tui demo`'s colleague desk, `agent_tui.demo.colleague`: a real headless desk process, pjsua2,
listen mode) and the caller (`agent-tui bot`). Desk B announces its address in the backend's directory;
desk A resolves '1002' there and REFERs the caller to it; the caller's phone follows the REFER.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.config import Settings
from agent_tui.demo.stack import DemoStack
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.desk_phone import build_phone
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LiveStream, OutboxWrites
from agent_tui.sync.screens import BackendScreens
from agent_tui.ui.common.options import desk_options
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.launch import desk_directory
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.transfer import TransferScreen
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.sip_peers import BotFactory, bot_factory, free_port
from tests.support.waiting import wait_for
from tests.training_e2e.pilot_helpers import wait_until

__all__ = ["bot_factory"]

pytestmark = pytest.mark.peers


def _http(backend: RealBackend, username: str) -> httpx.Client:
    client = httpx.Client(base_url=backend.url, timeout=10)
    login = {"username": username, "password": DEMO_PASSWORD}
    token = client.post("/v1/sessions", json=login).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _announced(http: httpx.Client, username: str) -> str | None:
    entries: list[dict[str, Any]] = http.get("/v1/directory").json()
    return next((e["sip_uri"] for e in entries if e["username"] == username), None)


def _state(http: httpx.Client, username: str) -> str:
    state: str = http.get(f"/v1/agents/{username}/state").json()["state"]["state"]
    return state


async def test_a_transfer_to_an_extension_rings_the_colleagues_desk(
        backend: RealBackend, bot_factory: BotFactory, tmp_path: Path) -> None:
    sup = _http(backend, "sup01")
    with DemoStack(tmp_path / "colleague", lambda _line: None) as stack:
        stack.start_colleague(backend.url, free_port())
        colleague = wait_for(lambda: _announced(sup, "agent02"), 60, interval=0.1,
                             message="agent02's desk announced in the directory")
        settings = Settings(backend={"url": backend.url, "username": "agent01"},
                            sip={"mode": "listen", "listen": "127.0.0.1:0"})
        client = BackendClient(backend.url)
        writes, live = OutboxWrites(client), LiveStream(client)
        phone = build_phone(settings, None, ("127.0.0.1", 0))
        assert phone is not None
        services = DeskServices(backend=client, writes=writes, phone=phone, screens=BackendScreens(client),
                                events=live, drafts=DraftStore(state_dir() / "drafts"),
                                directory=desk_directory(settings, client, phone))
        assert services.directory is not None, "listen mode with no registrar has a directory"

        def started(_info: object) -> None:
            writes.outbox.start()
            live.start()

        async def shutdown() -> None:
            await live.stop()
            await writes.outbox.stop()
            await client.aclose()

        services.on_logged_in.append(started)
        services.on_shutdown.append(shutdown)
        app = DeskApp(services, desk_options(settings, "agent01"), password=SecretStr(DEMO_PASSWORD))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                desk = app.desk
                await wait_until(pilot, lambda: services.directory is not None
                                 and services.directory.announced is not None, "desk A announced", 30)
                mine = _announced(sup, "agent01")
                assert mine is not None
                assert mine != colleague
                caller = bot_factory("--dial", mine, "--tone", "440")
                await wait_until(pilot, lambda: desk.ringing is not None, "the caller ringing desk A", 30)
                desk.action_answer()
                await wait_until(pilot, lambda: desk.active is not None
                                 and desk.active.answered_at is not None, "the call answered", 20)
                desk.action_transfer()
                await wait_until(pilot, lambda: isinstance(app.screen, TransferScreen), "the transfer panel")
                app.screen.dismiss(("blind", "1002"))
                # The colleague's desk rings (then answers after a moment, as a colleague does).
                await wait_until(pilot, lambda: _state(sup, "agent02") in ("ringing", "on_call"),
                                 "agent02's desk ringing after the transfer", 30)
                # The caller was referred to the address agent02's desk announced, not to '1002'.
                referred = caller.next_event("transferred", timeout=10)
                assert referred["role"] == "transferee"
                assert colleague in referred["target"], referred
        finally:
            phone.stop()
