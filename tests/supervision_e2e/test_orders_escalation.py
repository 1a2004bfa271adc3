"""The supervisor's orders panel end to end: the real server process, `agent-tui monitor` in an 80x24 tmux.

A dispatched repair order is not accepted within the acceptance limit (1 minute by the server's config;
its earlier steps are moved back in the database so the deadline falls due a few seconds into the test),
and the panel, already open, shows the escalation live; enter opens the order's timeline. Then a
complaint left unassigned past its limit is assigned, handled, informed and closed from the panel's keys,
and the audit trail has the four steps (the panel's open-complaints view, loaded from the backend).
Nothing sleeps: every wait has a deadline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.tmux import TmuxSession
from tests.server.field_helpers import backdate, file_order, step
from tests.server.process import ServerProcess
from tests.support.peers import require_binary
from tests.support.sip_peers import agent_tui_command

pytestmark = [pytest.mark.peers, pytest.mark.timeout(240)]

SETTINGS = {"sla": {"accept": 1, "complaint_assign": 1},
            "escalation": {"poll_s": 0.5, "at_risk_ratio": 0}}
"""Breaches only (no at-risk rows), the acceptance and assignment limits shortened to one minute."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path, settings=SETTINGS)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def term() -> Iterator[TmuxSession]:
    session = TmuxSession(require_binary("tmux", "tmux"), 80, 24)
    try:
        yield session
    finally:
        session.close()


def start_monitor(term: TmuxSession, server: ServerProcess, folder: Path) -> None:
    config = folder / "monitor.toml"
    config.write_text(f'[backend]\nurl = "{server.base}"\nusername = "sup01"\n\n'
                      f'[sip]\nlisten = "127.0.0.1:0"\n\n[logging]\nfile = "{folder / "monitor.log"}"\n',
                      encoding="utf-8")
    env = dict(os.environ) | {"AGENT_TUI_PASSWORD": "demo"}
    term.start([*agent_tui_command(), "monitor", "--config", str(config), "--user", "sup01"], env, cwd=folder)
    term.wait_for_text("sup01", 60)


def test_the_panel_shows_the_escalation_and_works_the_complaint_loop(
    server: ServerProcess, term: TmuxSession, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    agent, sup, field = server.login("agent01"), server.login("sup01"), server.login("field01")
    complaint = httpx.post(f"{server.base}/v1/tickets", headers=agent, json={
        "ticket_type": "complaint", "customer_id": 1, "subject": "rude staff at the service hall"}).json()
    backdate(url, complaint["id"], {"created": 90})
    assert httpx.patch(f"{server.base}/v1/tickets/{complaint['id']}", json={"note": "called again"},
                       headers=agent).status_code == 200  # reschedules its deadlines: assign is overdue
    start_monitor(term, server, tmp_path)
    term.send_keys("C-g")
    term.wait_for_screen(lambda s: "Orders at risk and breached" in s and complaint["number"] in s, 30,
                         message="the panel listing the overdue complaint")

    # A repair order dispatched 57 s ago: its 1-minute acceptance deadline falls due with the panel open.
    order = file_order(server, agent)
    step(server, field, order["number"], "receive")
    step(server, field, order["number"], "dispatch")
    backdate(url, order["id"], {"created": 60, "issued": 59, "received": 58, "dispatched": 57})
    assert httpx.patch(f"{server.base}/v1/tickets/{order['id']}", json={"note": "customer waiting"},
                       headers=agent).status_code == 200
    screen = term.wait_for_screen(
        lambda s: any(order["number"] in line and "accept" in line and "breached" in line
                      for line in s.splitlines()), 30, message="the acceptance escalation, live")
    assert "accept 1 breached" in screen
    # The new escalation is on top; the cursor stayed on the complaint below it: up, then one key.
    term.send_keys("Up", "Enter")
    screen = term.wait_for_screen(
        lambda s: f"Timeline of {order['number']}" in s and "not accepted in time" in s, 20,
        message="the order's timeline")
    assert "E Dispatched" in screen
    assert "F Accepted     -" in screen
    assert "breached (due" in screen
    term.send_keys("Escape")
    term.wait_for_screen(lambda s: "Timeline of" not in s, 10, message="the timeline closed")

    # The open complaints (f2 three times: at risk, breached, open complaints), worked from there.
    term.send_keys("F2", "F2", "F2")
    term.wait_for_screen(lambda s: "open complaints" in s and any(
        complaint["number"] in line and "assign" in line and "breached" in line for line in s.splitlines())
        and order["number"] not in s, 20, message="the open complaints")
    for key, text, status in (("F4", "Service hall", "Assigned"),
                              ("F5", "Apologised, refund made", "Handled"),
                              ("F6", "Told by phone", "Informed"), ("F7", "Customer satisfied", "Closed")):
        term.send_keys(key)
        term.wait_for_screen(lambda s: "Enter sends" in s, 10, message=f"the prompt of {key}")
        term.type_text(text)
        term.send_keys("Enter")
        said = f"{complaint['number']}: {status}"
        term.wait_for_screen(lambda s: said in s, 20, message=f"the complaint {status.lower()}")  # noqa: B023
    term.wait_for_screen(lambda s: not any(complaint["number"] in line and "assign" in line
                                           for line in s.splitlines()), 10,
                         message="the closed complaint off the list")

    trail = httpx.get(f"{server.base}/v1/audit", params={"agent": "agent01", "limit": 100},
                      headers=sup).json()["items"]
    steps = [e for e in reversed(trail) if e["action"].startswith("complaint_")
             and e["detail"]["number"] == complaint["number"]]
    assert [(e["action"], e["actor"]) for e in steps] == [
        ("complaint_assign", "sup01"), ("complaint_handle", "sup01"), ("complaint_inform", "sup01"),
        ("complaint_close", "sup01")]
    assert steps[0]["detail"]["department"] == "Service hall"
    assert steps[0]["detail"]["in_time"] is False  # assigned after its one-minute limit
    assert steps[1]["detail"]["note"] == "Apologised, refund made"
    final = httpx.get(f"{server.base}/v1/tickets/{complaint['id']}", headers=sup).json()
    assert final["status"] == "closed"
    term.send_keys("C-q")
    assert term.wait_exit(20) == 0
