"""The desk against the REAL reference backend: login, screen pop from seeded data, a repair order
submitted through the real outbox and found through the REST API. The phone is the in-process double."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent_tui.config import Settings
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LiveStream, OutboxWrites
from agent_tui.sync.screens import BackendScreens
from agent_tui.ui.common.options import desk_options
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.services import DeskServices
from tests.support.waiting import wait_for
from tests.ui.doubles import FakePhone
from tests.ui.helpers import fill_repair_order, open_order_screen, popped, screen_text, wait_until

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(importlib.util.find_spec("agent_tui.server.cli") is None,
                                reason="the reference backend is not in this checkout")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`agent-tui server --seed demo` on SQLite in tmp; yields its URL; ended by pid."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_tui.cli", "server", "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
         "--port", str(port), "--seed", "demo"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return proc.poll() is not None and False

    try:
        wait_for(healthy, 60, interval=0.1, message="the backend to answer")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def rest(url: str, path: str, token: str, **params: Any) -> Any:
    response = httpx.get(f"{url}{path}", params=params, headers={"Authorization": f"Bearer {token}"},
                         timeout=5)
    response.raise_for_status()
    return response.json()


def seeded_customer(url: str) -> tuple[str, dict[str, Any]]:
    """A token and a seeded customer with a phone number."""
    token = httpx.post(f"{url}/v1/sessions", json={"username": "agent01", "password": "demo"},
                       timeout=5).json()["token"]
    page = rest(url, "/v1/customers", token, limit=5)
    return token, next(c for c in page["items"] if c["phones"])


async def test_pop_and_repair_order_against_the_real_backend(server: str) -> None:
    token, customer = seeded_customer(server)
    settings = Settings(backend={"url": server})
    client = BackendClient(server)
    writes = OutboxWrites(client)
    live = LiveStream(client)
    phone = FakePhone()
    services = DeskServices(backend=client, writes=writes, phone=phone, screens=BackendScreens(client),
                            events=live, drafts=DraftStore(state_dir() / "drafts"))

    def started(_info: object) -> None:
        writes.outbox.start()
        live.start()

    services.on_logged_in.append(started)

    async def shutdown() -> None:
        await live.stop()
        await writes.outbox.stop()
        await client.aclose()

    services.on_shutdown.append(shutdown)
    from pydantic import SecretStr

    app = DeskApp(services, desk_options(settings, "agent01"), password=SecretStr("demo"))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, deadline_s=15, what="login")
        phone.ring(number=customer["phones"][0])
        await wait_until(pilot, lambda: popped(app), deadline_s=10, what="the card")
        assert customer["name"] in screen_text(app)
        latency = app.desk.calls["c1"].pop_latency_ms
        assert latency is not None
        assert latency < 1000
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c1")
        form = await open_order_screen(pilot, app, "repair")
        await fill_repair_order(pilot, form, "Live backend order")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.desk)

        def ticket_found() -> bool:
            tickets = rest(server, "/v1/tickets", token, customer=customer["id"])["items"]
            return any(t["fields"].get("description") == "Live backend order" for t in tickets)

        await wait_until(pilot, ticket_found, deadline_s=15, what="the ticket in the backend")
        await wait_until(pilot, lambda: "synced" in screen_text(app), deadline_s=10, what="synced mark")


async def test_the_callback_list_comes_from_the_backend(server: str) -> None:
    from pydantic import SecretStr

    from agent_tui.sync.callbacks import BackendCallbacks

    client = BackendClient(server)
    try:
        session = await client.login("agent01", SecretStr("demo"))
        listed = await BackendCallbacks(client).list_callbacks()
    finally:
        await client.aclose()
    raw = rest(server, "/v1/callbacks", session.token.get_secret_value(), limit=1000)["items"]
    assert listed, "the demo seed has callers waiting for a callback"
    assert [(c.id, c.number) for c in listed] == [(str(r["id"]), r["number"]) for r in raw]
    assert listed == sorted(listed, key=lambda c: c.at), "oldest first"
