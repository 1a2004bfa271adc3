"""The outbound preview dialer end to end, in a real 80x24 terminal: a caller overflowed from a queue is
owed a callback; the Ready desk is offered it, ctrl+y dials it through Kamailio, SIPp (registered as the
caller's number) answers, the agent hangs up and gives the outcome, and the backend has the callback
closed by this agent only (another agent asking for the next one gets nothing). Then a campaign call whose
outcome is given while the backend is dead: queued in the desk's outbox, stored exactly once when the
backend is back.

Real parts: the reference backend (subprocess, demo seed, tmp SQLite), Kamailio, SIPp as the customer,
`agent-tui desk` in tmux (helpers from test_desk_repair_order).
"""

from __future__ import annotations

import sqlite3
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
CONTACT_NUMBER = "13700000078"
"""The campaign contact of the backend-killed test (another number: each test registers its own)."""


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


def campaign_for_the_agent(backend: RealBackend) -> int:
    """A running campaign of one contact (CONTACT_NUMBER) for AGENT, the demo's own campaigns paused (the
    agent is assigned to one of them); the contact's id."""
    with closing(session(backend, "sup01")) as sup:
        for running in sup.get("/v1/campaigns", params={"state": "running"}).json()["items"]:
            sup.post(f"/v1/campaigns/{running['id']}/pause").raise_for_status()
        made = sup.post("/v1/campaigns", json={
            "name": "outcome while the backend is dead", "screen": "outage_notice", "agents": [AGENT],
            "hours": ["00:00-24:00"], "contacts": [{"phone": CONTACT_NUMBER, "name": "Zhao"}]})
        made.raise_for_status()
        sup.post(f"/v1/campaigns/{made.json()['id']}/start").raise_for_status()
        campaign_id = int(made.json()["id"])
    with closing(sqlite3.connect(backend.db_path)) as db:
        (contact_id,) = db.execute("SELECT id FROM campaign_contacts WHERE campaign_id = ?",
                                   (campaign_id,)).fetchone()
    return int(contact_id)


def stored(backend: RealBackend, contact_id: int) -> list[tuple[object, ...]]:
    """The outcomes stored for the contact, and the contact's status (read from the database file)."""
    with closing(sqlite3.connect(backend.db_path)) as db:
        return list(db.execute(
            "SELECT c.outcome, c.agent, k.status FROM campaign_calls c JOIN campaign_contacts k "
            "ON k.id = c.contact_id WHERE c.contact_id = ?", (contact_id,)).fetchall())


def test_an_outcome_given_while_the_backend_is_dead_is_queued_and_stored_once(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    contact_id = campaign_for_the_agent(backend)
    customer = sipp.uas("uas_answer_then_bye.xml")  # answers, listens a moment, hangs up
    registered = sipp.register(kamailio.address, CONTACT_NUMBER, kamailio.password(CONTACT_NUMBER),
                               contact_port=customer.port)
    assert registered.ok, registered.explain()
    config = write_config(tmp_path / "desk.toml", backend, kamailio)
    text = config.read_text(encoding="utf-8").replace(
        'acw_mode = "optional"',
        'acw_mode = "optional"\noutbound_mode = "preview"\noutbound_preview_s = 60\n'
        'outbound_poll_s = 1\noutbound_queues = ["q-outbound-e2e-none"]')
    config.write_text(text, encoding="utf-8")
    term = terminal(80, 24)
    launch_desk(term, config, DEMO_PASSWORD, kamailio.password(EXTENSION), 30)

    term.send_keys("F2")
    term.wait_for_screen(lambda s: CONTACT_NUMBER in s and "ctrl+y dials" in s, 15, message="the preview")
    term.send_keys("C-y")
    term.wait_for_text("Outcome of the call to", 20)  # the customer answered and hung up
    backend.kill()  # after the call, before the outcome
    term.send_keys("Enter")  # the campaign's first code after an answered call: informed
    term.wait_for_text("Outcome queued.", 10)
    term.wait_for_screen(lambda s: "Offline" in status_line(s) and "queued" in status_line(s)
                         and "Outbound: 1 queued" in s, 20, message="the outcome queued on a dead backend")
    assert stored(backend, contact_id) == []

    backend.start()
    wait_for(lambda: stored(backend, contact_id), 40, interval=0.2, message="the outcome stored")
    term.wait_for_screen(lambda s: "Online" in status_line(s) and "queued" not in s, 20,
                         message="the desk online with nothing queued")
    # The outbox is empty: nothing more can arrive. Exactly one outcome, by this agent; the contact done.
    assert stored(backend, contact_id) == [("informed", AGENT, "done")]
    result = customer.wait(10)
    assert result.ok, result.explain()
    term.quit_desk(15)
