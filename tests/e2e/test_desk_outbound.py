"""The outbound preview dialer end to end, in a real 80x24 terminal: a caller overflowed from a queue is
owed a callback; the Ready desk is offered it, ctrl+y dials it through Kamailio, SIPp (registered as the
caller's number) answers, the agent hangs up and gives the outcome, and the backend has the callback
closed by this agent only (another agent asking for the next one gets nothing).

Real parts: the reference backend (subprocess, demo seed, tmp SQLite), Kamailio, SIPp as the customer,
`agent-tui desk` in tmux (helpers from test_desk_repair_order).
"""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from agent_tui.domain.base import utc_now
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import AGENT, EXTENSION, launch_desk, status_line, write_config
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

QUEUE = "q-outbound-e2e"
NUMBER = "13700000077"


def session(backend: RealBackend, username: str) -> httpx.Client:
    client = httpx.Client(base_url=backend.url, timeout=10.0)
    token = client.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
    token.raise_for_status()
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def owe_a_callback(backend: RealBackend) -> None:
    """The PBX reports a caller who waited two minutes and overflowed: the backend owes a callback."""
    now, call_id = utc_now(), f"pbx-{uuid.uuid4().hex[:8]}"
    events = [
        {"event_id": f"{call_id}-in", "kind": "enqueued", "call_id": call_id, "queue": QUEUE,
         "number": NUMBER, "at": (now - timedelta(minutes=3)).isoformat()},
        {"event_id": f"{call_id}-out", "kind": "overflow", "call_id": call_id, "queue": QUEUE,
         "number": NUMBER, "at": (now - timedelta(minutes=1)).isoformat()},
    ]
    with closing(session(backend, "sup01")) as sup:
        sup.post("/v1/queue-events", json={"events": events}).raise_for_status()


def callback_of(backend: RealBackend) -> dict[str, object]:
    with closing(session(backend, "sup01")) as sup:
        for status in ("open", "claimed", "done"):
            found = sup.get("/v1/callbacks", params={"status": status, "queue": QUEUE}).json()["items"]
            if found:
                return dict(found[0])
    return {}


def test_a_ready_desk_is_offered_a_callback_dials_it_and_the_outcome_closes_it(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    owe_a_callback(backend)
    assert callback_of(backend)["status"] == "open"
    customer = sipp.uas("uas_one_codec.xml")
    registered = sipp.register(kamailio.address, NUMBER, kamailio.password(NUMBER),
                               contact_port=customer.port)
    assert registered.ok, registered.explain()

    config = write_config(tmp_path / "desk.toml", backend, kamailio)
    text = config.read_text(encoding="utf-8").replace(
        'acw_mode = "optional"',
        f'acw_mode = "optional"\noutbound_mode = "preview"\noutbound_preview_s = 60\n'
        f'outbound_poll_s = 1\noutbound_queues = ["{QUEUE}"]')
    config.write_text(text, encoding="utf-8")
    term = terminal(80, 24)
    launch_desk(term, config, DEMO_PASSWORD, kamailio.password(EXTENSION), 30)

    term.send_keys("F2")
    screen = term.wait_for_screen(lambda s: NUMBER in s and "ctrl+y dials" in s, 15, message="the preview")
    assert "Ready" in status_line(screen)
    assert "waiting" in screen
    assert callback_of(backend)["claimed_by"] == AGENT
    with closing(session(backend, "agent02")) as other:  # one agent only: the next desk gets nothing
        assert other.post("/v1/callbacks/next", json={"queues": [QUEUE]}).status_code == 204

    term.send_keys("C-y")
    term.wait_for_screen(lambda s: f"On call {NUMBER}" in s, 15, message="the customer answered")
    term.send_keys("F4")
    term.wait_for_text("Outcome of the call to", 10)
    term.send_keys("Enter")  # "Reached: close the callback", first after an answered call
    wait_for(lambda: callback_of(backend).get("status") == "done", 10, message="the callback closed")
    closed = callback_of(backend)
    assert (closed["claimed_by"], closed["note"]) == (AGENT, "")
    result = customer.wait(10)
    assert result.ok, result.explain()
    assert result.requests_received() == ["INVITE", "ACK", "BYE"]
    term.quit_desk(15)
