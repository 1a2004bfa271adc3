"""Issue 13's Done-when walk, end to end with the real parts, in an 80x24 tmux pane.

A caller rings through Kamailio (SIPp), the agent files a repair order by keys; the test, as a repair
centre would, drives the field steps over HTTP; the order is dispatched and not accepted in time (the
server's `accept` limit is 1 minute and the dispatch is moved back in its database, as the escalation
tests do), so the deadline watcher escalates: supervisors list the alert and the filing desk shows it
in its alert line. The field team then accepts, arrives and fixes it; the desk's status query reads
the order's timeline; the return visit, claimed from the desk's list and dialled, closes the order;
and the customer got the order number by SMS through Kannel and by e-mail through OpenSMTPD, twice
(filed, fixed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_tui.server.settings_file import SERVER_CONFIG_ENV
from tests.e2e.backend import ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import (
    AGENT,
    answer_after_pop,
    choose_in_list,
    fill_repair_order,
    ring,
    start_desk,
    tickets_with,
)
from tests.e2e.tmux import TmuxSession
from tests.server.field_helpers import backdate
from tests.server.notify_peers import SMS_PASSWORD, SMS_PASSWORD_ENV, SMS_USER, Kannel, Mta
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

WAIT = 30.0
"""Deadline of each wait on a shared, loaded machine."""


def server_config(mta: Mta, kannel: Kannel) -> str:
    """Limits shortened (accept: 1 minute), alerts to the filing desk, visits due at once, real gateways."""
    return f"""
[sla]
accept = 1

[escalation]
poll_s = 0.5
notify_filing_agent = true

[return_visits]
delay_min = 0

[notify]
language = "zh"
retry_s = 0.5
poll_s = 0.2

[notify.smtp]
host = "127.0.0.1"
port = {mta.port}
sender = "hotline@agent-tui.test"
timeout_s = 5.0

[notify.sms]
url = "{kannel.sendsms_url}"
username = "{SMS_USER}"
password_env = "{SMS_PASSWORD_ENV}"
sender = "95598"
"""


@pytest.fixture
def gateways() -> Iterator[tuple[Mta, Kannel]]:
    """OpenSMTPD delivering into a maildir and Kannel with its fake SMSC, on loopback."""
    mta, kannel = Mta(), Kannel()
    try:
        mta.start()
        kannel.start()
        yield mta, kannel
    finally:
        kannel.stop()
        mta.stop()


@pytest.fixture
def loop_backend(tmp_path: Path, gateways: tuple[Mta, Kannel], monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[RealBackend]:
    """The reference backend (demo seed, tmp SQLite) with the closed loop's config."""
    config = tmp_path / "server.toml"
    config.write_text(server_config(*gateways), encoding="utf-8")
    monkeypatch.setenv(SERVER_CONFIG_ENV, str(config))
    monkeypatch.setenv(SMS_PASSWORD_ENV, SMS_PASSWORD)
    workdir = tmp_path / "backend"
    workdir.mkdir()
    server = RealBackend(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.leftover_pids()


def field_step(field: ApiClient, number: str, name: str, **body: Any) -> None:
    """One step reported by the repair centre's system."""
    response = field.http.post(f"/v1/field/orders/{number}/{name}", json=body)
    assert response.status_code == 200, (name, response.text)


def escalate(backend: RealBackend, hotline: ApiClient, field: ApiClient, ticket: dict[str, Any]) -> None:
    """Issued by the hotline, received and dispatched by the field; the dispatch moved 61 s back, so the
    1-minute acceptance limit has passed; any change of the order makes the watcher reschedule it."""
    number = ticket["number"]
    issued = hotline.http.patch(f"/v1/tickets/{ticket['id']}", json={"status": "issued"})
    assert issued.status_code == 200, issued.text
    field_step(field, number, "receive")
    field_step(field, number, "dispatch", team="抢修一班")
    backdate(f"sqlite:///{backend.db_path}", ticket["id"],
             {"created": 64, "issued": 63, "received": 62, "dispatched": 61})
    noted = hotline.http.patch(f"/v1/tickets/{ticket['id']}", json={"note": "customer called again"})
    assert noted.status_code == 200, noted.text


def status_query(term: TmuxSession, hotline: ApiClient, number: str) -> str:
    """F9, the status-query screen, the order number typed, on to the result step: the screen then."""
    term.send_keys("F9")
    term.wait_for_text("Enter opens", 10)
    term.send_keys(*["Down"] * hotline_screens(hotline).index("status_query"), "Enter")
    term.wait_for_text("Order number", 10)
    term.type_text(number)
    term.wait_for_text(number, 5)
    term.send_keys("PageDown")
    term.wait_for_text(f"Order {number}: Handled", WAIT)
    # Notices of the order's changes may cover the end of the marks for their 3 s.
    screen = term.wait_for_text("accept breached", 10)
    term.send_keys("Escape")
    term.wait_for_text("Leave (y)", 5)
    term.send_keys("y")
    term.wait_for_screen(lambda s: "Order number" not in s, 5, message="back at the desk")
    return screen


def hotline_screens(api: ApiClient) -> list[str]:
    return [item["id"] for item in api.get("/v1/screens", limit=100)["items"]]


def return_visit(term: TmuxSession, number: str) -> None:
    """v: the list, Enter claims and dials, the return-visit script by keys, ctrl+s records it."""
    term.send_keys("v")
    # The number is on the desk already (its alert line): wait for the list's own line.
    term.wait_for_screen(lambda s: any(number in line and "attempts: 0" in line for line in s.splitlines()),
                         WAIT, message="the visit in the return-visit list")
    term.send_keys("Enter")
    term.wait_for_text("Customer reached and willing", WAIT)
    choose_in_list(term, "No", "y", "Yes", "reached")
    term.send_keys("PageDown")
    term.wait_for_text("Problem resolved", 5)
    choose_in_list(term, "No", "y", "Yes", "resolved")
    term.send_keys("Tab", "Enter")  # "charged": its list opens under the "Yes" of "resolved"
    term.wait_for_screen(lambda s: s.count("Choose…") >= 2, 5, message="the list of 'charged' open")
    term.type_text("n")
    term.send_keys("Enter")
    term.wait_for_screen(lambda s: "Choose…" not in s, 5, message="'charged' answered")
    term.send_keys("PageDown")
    term.wait_for_text("Attitude of the staff", 5)
    choose_in_list(term, "Unsatisfied", "s", "Satisfied", "attitude")
    term.send_keys("Tab")
    term.type_text("9")
    term.send_keys("PageDown")
    term.wait_for_text("Suggestion", 5)
    term.send_keys("PageDown")
    term.wait_for_text("Press ctrl+s to record the return visit.", 5)
    term.send_keys("C-s")
    # The form closes once the backend took the result (the notice saying so wraps in its toast).
    term.wait_for_screen(lambda s: f"Return visit {number} ·" not in s, WAIT,
                         message="the return visit recorded, back at the desk")


def test_the_closed_loop_from_the_call_to_the_return_visit(
    terminal: TerminalFactory, loop_backend: RealBackend, gateways: tuple[Mta, Kannel], kamailio: Kamailio,
    sipp: Sipp, tmp_path: Path,
) -> None:
    mta, kannel = gateways
    hotline, field, supervisor = (loop_backend.client(AGENT), loop_backend.client("field01"),
                                  loop_backend.client("sup01"))
    try:
        customer = hotline.single_match_customer()
        email = f"c{uuid.uuid4().hex[:8]}@example.org"
        patched = hotline.http.patch(f"/v1/customers/{customer['id']}", json={"custom": {"email": email}})
        assert patched.status_code == 200, patched.text
        description = f"No power upstairs e2e-{uuid.uuid4().hex[:8]}"

        term = start_desk(terminal, loop_backend, kamailio, tmp_path)
        call = ring(sipp, kamailio, customer)
        answer_after_pop(term, customer)
        fill_repair_order(term, hotline, customer, description)
        term.send_keys("C-s")
        term.wait_for_text("Work order queued.", 10)
        term.send_keys("F4")
        term.wait_for_text("Call ended", 10)
        call.wait(15)
        ticket = wait_for(lambda: tickets_with(hotline, customer, description), WAIT, interval=0.1,
                          message="the ticket in the backend")[0]
        number = ticket["number"]

        escalate(loop_backend, hotline, field, ticket)
        alerts = wait_for(lambda: supervisor.get("/v1/order-alerts", number=number, segment="accept",
                                                 level="breached")["items"], WAIT, interval=0.2,
                          message="the acceptance escalation")
        assert len(alerts) == 1
        assert alerts[0]["not_accepted"] is True
        assert alerts[0]["filed_by"] == AGENT
        term.wait_for_text(f"Order {number}: dispatched, not accepted in time", WAIT)  # the desk's line

        for name in ("accept", "depart", "on_site", "fixed"):
            field_step(field, number, name)

        screen = status_query(term, hotline, number)
        assert "accept breached" in screen, screen
        assert "Finished" in screen  # "Status told to the caller" preset from the order
        assert "H —" not in screen  # on site is reached: H has its time
        assert "A —" not in screen

        return_visit(term, number)
        closed = wait_for(lambda: (t := hotline.get(f"/v1/tickets/{ticket['id']}"))["status"] == "closed"
                          and t, 10, interval=0.1, message="the order closed by the return visit")
        assert closed["status"] == "closed"
        assert closed["return_visit"]["score"] == 9
        assert closed["return_visit"]["resolved"] is True

        def both(found: list[Any]) -> list[Any] | None:
            return found if len(found) >= 2 else None

        sms = wait_for(lambda: both([m for m in kannel.messages() if number in m.text]), WAIT, interval=0.2,
                       message="the filed and fixed SMS through Kannel")
        assert len(sms) == 2
        assert {m.to for m in sms} == {customer["phones"][0]}
        mails = wait_for(lambda: both([m for m in mta.messages() if str(m["To"]) == email]), WAIT,
                         interval=0.2, message="the filed and fixed e-mails through the MTA")
        assert len(mails) == 2
        assert all(number in str(m["Subject"]) for m in mails)
        assert term.quit_desk(20) == 0
    finally:
        for client in (hotline, field, supervisor):
            client.close()
