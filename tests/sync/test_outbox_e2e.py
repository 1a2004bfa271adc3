"""The outbox against the REAL reference backend (`agent-tui server`), killed and restarted mid-stream.

The key property: every write journalled by the outbox exists exactly once on the backend, even when
the backend is SIGKILLed during the stream and the client process itself is SIGKILLed at the worst
moment (its write accepted by the backend, the answer not yet seen) and restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.events import Event, EventKind
from agent_tui.sync.client import BackendClient
from agent_tui.sync.events import EventStream, StreamState, StreamStatus
from agent_tui.sync.outbox import LinkState, Outbox
from agent_tui.sync.retry import Backoff
from tests.support.waiting import JsonLineReader, wait_for

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("agent_tui.server.cli") is None,
    reason="the reference backend (agent_tui.server.cli) is not in this checkout yet",
)

REPO = Path(__file__).resolve().parents[2]
USER = "agent01"
PASSWORD = "demo"  # the published demo password of the seeded users


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """`agent-tui server` on SQLite in tmp, on a fixed port so that it can be killed and restarted."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{tmp_path / 'server.db'}"
        self.log = tmp_path / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the server and wait until it answers its health check."""
        assert self.proc is None
        command = [sys.executable, "-m", "agent_tui.cli", "server", "--db", self.db_url,
                   "--host", "127.0.0.1", "--port", str(self.port), "--seed", "demo"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        wait_for(self._healthy, timeout=60, interval=0.05, message=f"the backend on {self.url}")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the backend exited with {self.proc.returncode}: {self.tail()}")
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL the server, by its pid, and reap it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A running backend, killed at the end whatever happened."""
    backend = ServerProcess(tmp_path)
    backend.start()
    try:
        yield backend
    finally:
        backend.kill()


def login(url: str) -> str:
    """A bearer token for the demo agent."""
    response = httpx.post(f"{url}/v1/sessions", json={"username": USER, "password": PASSWORD}, timeout=10)
    assert response.status_code in (200, 201), response.text
    token: str = response.json()["token"]
    return token


def new_customer(url: str, token: str) -> int:
    """A fresh customer, so the test's tickets are exactly the customer's tickets."""
    account = "".join(secrets.choice("0123456789") for _ in range(14))
    response = httpx.post(
        f"{url}/v1/customers", headers={"Authorization": f"Bearer {token}"}, timeout=10,
        json={"account": account, "name": "Outbox 测试", "phones": [], "area": "test"},
    )
    assert response.status_code == 201, response.text
    customer_id: int = response.json()["id"]
    return customer_id


def customer_tickets(url: str, token: str, customer: int) -> list[dict[str, Any]]:
    """Every ticket of `customer`, over all pages."""
    tickets: list[dict[str, Any]] = []
    while True:
        response = httpx.get(f"{url}/v1/tickets", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                             params={"customer": customer, "limit": 100, "offset": len(tickets)})
        assert response.status_code == 200, response.text
        page = response.json()
        tickets += page["items"]
        if not page["items"] or len(tickets) >= page["total"]:
            return tickets


def assert_exactly_once(tickets: list[dict[str, Any]], run: str, count: int) -> None:
    """Each of the `count` writes of `run` is there, none twice, nothing else."""
    numbers = sorted(t["fields"]["n"] for t in tickets if t["subject"].startswith(f"outbox {run} "))
    assert numbers == list(range(count)), f"missing: {sorted(set(range(count)) - set(numbers))}, " \
        f"duplicated: {sorted({n for n in numbers if numbers.count(n) > 1})}"
    assert len(tickets) == count


class ClientProcess:
    """The outbox client of `tests/sync/outbox_client.py` as a separate process."""

    def __init__(self, server: ServerProcess, token: str, journal: Path, customer: int, run: str,
                 *args: str) -> None:
        env = {**os.environ, "AGENT_TUI_TEST_TOKEN": token, "AGENT_TUI_TEST_USER": USER,
               "AGENT_TUI_TEST_PASSWORD": PASSWORD}
        command = [sys.executable, "-m", "tests.sync.outbox_client", "--url", server.url,
                   "--db", str(journal), "--customer", str(customer), "--run", run, *args]
        self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=None, text=True)
        self.reader = JsonLineReader.of(self.proc, f"outbox client {self.proc.pid}")

    def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 60) -> list[dict[str, Any]]:
        return self.reader.until(predicate, timeout)

    def delivered(self) -> list[int]:
        return [int(o["n"]) for o in self.reader.seen if o["event"] == "delivered"]

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.reader.join(5)

    def wait(self) -> int:
        code = self.proc.wait(timeout=30)
        self.reader.join(5)
        return code


def test_writes_land_exactly_once_through_server_and_client_kills(
    server: ServerProcess, tmp_path: Path
) -> None:
    token = login(server.url)
    customer = new_customer(server.url, token)
    run = uuid.uuid4().hex[:8]
    journal = tmp_path / "outbox.db"
    first, second, total = 40, 60, 100

    client = ClientProcess(server, token, journal, customer, run, "--first", str(first),
                           "--second", str(second), "--freeze-after", "70")
    try:
        # Mid-stream: some of the first batch delivered, then the backend dies.
        client.until(lambda o: o["event"] == "delivered" and len(client.delivered()) >= 10)
        server.kill()
        client.until(lambda o: o["event"] == "status" and o["link"] == LinkState.OFFLINE.value)
        # The second batch is journalled while the backend is down: all of it waits, offline.
        client.go()
        lines = client.until(lambda o: o["event"] == "batch_done" and o["batch"] == 2)
        status = [o for o in lines if o["event"] == "status"][-1]
        assert status["link"] == LinkState.OFFLINE.value
        delivered_before_restart = len(client.delivered())
        assert status["queued"] == total - delivered_before_restart
        assert 10 <= delivered_before_restart <= first
        server.start()
        # The client dies right after the backend accepted its 70th write, before it saw the answer.
        frozen = client.until(lambda o: o["event"] == "frozen", timeout=90)[-1]
    finally:
        client.kill()

    restarted = ClientProcess(server, token, journal, customer, run)
    try:
        done = restarted.until(lambda o: o["event"] == "drained", timeout=90)[-1]
        assert restarted.wait() == 0
    finally:
        restarted.kill()
    assert done["dead"] == 0
    # The frozen write was re-sent under the same key: the backend answered with the same ticket.
    assert frozen["n"] in restarted.delivered()
    assert_exactly_once(customer_tickets(server.url, token, customer), run, total)
    assert server.starts == 2


async def test_backend_down_at_start_queues_everything_then_delivers(server: ServerProcess,
                                                                      tmp_path: Path) -> None:
    token = login(server.url)
    customer = new_customer(server.url, token)
    server.kill()
    run = uuid.uuid4().hex[:8]
    client = BackendClient(server.url, token=SecretStr(token))
    outbox = Outbox(client, tmp_path / "outbox.db", backoff=Backoff(base=0.05, cap=0.5))
    try:
        outbox.start()
        for n in range(20):
            body = {"ticket_type": "consultation", "customer_id": customer, "subject": f"outbox {run} #{n}",
                    "fields": {"n": n}}
            await outbox.enqueue("POST", "/v1/tickets", body, "ticket")
        await until(lambda: outbox.status().link == LinkState.OFFLINE)
        status = outbox.status()
        assert status.queued == 20
        assert status.last_error is not None
        await asyncio.to_thread(server.start)
        await until(lambda: outbox.status().queued == 0, limit=60)
        assert outbox.status().link == LinkState.ONLINE
        assert outbox.delivered == 20
    finally:
        await outbox.close()
        await client.aclose()
    tickets = await asyncio.to_thread(customer_tickets, server.url, token, customer)
    assert_exactly_once(tickets, run, 20)


async def test_a_422_becomes_a_dead_letter_naming_the_field(server: ServerProcess, tmp_path: Path) -> None:
    token = login(server.url)
    customer = new_customer(server.url, token)
    client = BackendClient(server.url, token=SecretStr(token))
    outbox = Outbox(client, tmp_path / "outbox.db")
    try:
        bad = await outbox.enqueue(
            "POST", "/v1/tickets", {"ticket_type": "nonsense", "customer_id": customer}, "ticket"
        )
        await outbox.enqueue("POST", "/v1/tickets", {"ticket_type": "repair", "customer_id": customer,
                                                     "subject": "after the bad one"}, "ticket")
        outbox.start()
        await until(lambda: outbox.status().queued == 0, limit=30)
        dead = await outbox.dead_letters()
        assert [d.seq for d in dead] == [bad.seq]
        assert dead[0].http_status == 422
        assert dead[0].problem is not None
        assert "ticket_type" in dead[0].problem.detail
        assert outbox.status().dead == 1
    finally:
        await outbox.close()
        await client.aclose()
    tickets = await asyncio.to_thread(customer_tickets, server.url, token, customer)
    assert [t["subject"] for t in tickets] == ["after the bad one"]


async def until(predicate: Callable[[], bool], limit: float = 20) -> None:
    """Poll `predicate` on the event loop until it holds; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {limit} s")
        await asyncio.sleep(0.01)


async def test_event_stream_resumes_across_a_backend_restart(server: ServerProcess) -> None:
    supervisor = BackendClient(server.url)
    agent = BackendClient(server.url)
    await supervisor.login("sup01", SecretStr(PASSWORD))
    await agent.login(USER, SecretStr(PASSWORD))
    states: list[StreamStatus] = []
    stream = EventStream(supervisor, on_status=states.append, backoff=Backoff(base=0.05, cap=0.5))
    received: list[Event] = []

    async def consume() -> None:
        async for event in stream:
            if event.kind == EventKind.AGENT_STATE:
                received.append(event)

    task = asyncio.get_running_loop().create_task(consume())
    try:
        await until(lambda: stream.state == StreamState.CONNECTED)
        await agent.set_agent_state(USER, AgentStateChange(state=AgentStateName.READY))
        await until(lambda: len(received) == 1)
        before = stream.last_event_id
        assert before is not None
        await asyncio.to_thread(server.kill)
        await until(lambda: stream.state == StreamState.RECONNECTING)
        await asyncio.to_thread(server.start)
        await until(lambda: stream.connects == 2, limit=30)
        await agent.set_agent_state(USER, AgentStateChange(state=AgentStateName.NOT_READY, reason="break"))
        await until(lambda: len(received) == 2)
        assert received[1].id > received[0].id
        assert stream.last_event_id != before
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await supervisor.aclose()
        await agent.aclose()
    assert any(s.state == StreamState.RECONNECTING and s.detail for s in states)


async def test_every_typed_read_parses_the_real_backend(server: ServerProcess) -> None:
    async with BackendClient(server.url) as client:
        session = await client.login(USER, SecretStr(PASSWORD))
        assert session.username == USER
        assert (await client.health())["status"] == "ok"
        page = await client.list_customers(limit=5)
        assert page.total >= 200
        first = page.items[0]
        assert (await client.get_customer(first.id)).account == first.account
        found = await client.lookup(account=first.account)
        assert [m.customer.id for m in found.matches] == [first.id]
        if first.phones:
            assert first.id in [m.customer.id for m in (await client.lookup(phone=first.phones[0])).matches]
        await client.customer_history(first.id)
        tickets = await client.list_tickets(limit=3)
        assert tickets.total > 0
        assert (await client.get_ticket(tickets.items[0].id)).number == tickets.items[0].number
        agents = await client.list_agents()
        assert USER in {a.username for a in agents}
        assert len(agents) >= 22  # agent01..agent20, sup01, trainer01
        await client.list_queues()
        assert "break" in await client.list_reasons()
        screens = await client.list_screens()
        if screens:
            assert (await client.get_screen(screens[0].id)).id == screens[0].id
        await client.kb_search("停电")
        await client.list_notices()
        await client.logout()
        assert client.token is None
