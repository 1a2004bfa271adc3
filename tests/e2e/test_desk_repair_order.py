"""The desk end to end, in a real 80x24 terminal: a call through Kamailio pops the customer, the agent
answers and files a repair order by keystrokes, and the ticket is in the backend.

Everything is real: the reference backend (subprocess, demo seed, tmp SQLite), Kamailio as registrar
and proxy, SIPp calling as a seeded customer (P-Asserted-Identity = their phone number, no IVR ids, so
the desk must find them by number), and `agent-tui desk` registered as 1001 in tmux. The SIP password
reaches the desk through AGENT_TUI_SIP_PASSWORD, the backend password through AGENT_TUI_PASSWORD.

The second test SIGKILLs the backend before the order is submitted: the desk says it is offline with
one write queued, and once the backend is back the ticket lands exactly once.
"""

from __future__ import annotations

import os
import re
import shlex
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import DEMO_PASSWORD, ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.tmux import SESSION, TmuxSession
from tests.support.sip_peers import Kamailio, Sipp, SippRun, agent_tui_command
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

AGENT = "agent01"
EXTENSION = "1001"
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTACT_FIELDS = ("Contact name", "Contact phone", "What the caller describes")


def write_config(path: Path, backend: RealBackend, registrar: Kamailio, acw_mode: str = "optional") -> Path:
    """A desk config: the test backend, one SIP account at the test Kamailio, the log next to it."""
    path.write_text(
        f"""
[backend]
url = "{backend.url}"
username = "{AGENT}"

[sip]
mode = "registrar"
listen = "127.0.0.1:0"

[[sip.accounts]]
user = "{EXTENSION}"
domain = "{registrar.domain}"
registrars = ["{registrar.uri()}"]
health_interval_s = 1.0

[desk]
acw_mode = "{acw_mode}"

[logging]
file = "{path.parent / 'desk.log'}"
""",
        encoding="utf-8",
    )
    return path


def start_desk(
    terminal: TerminalFactory, backend: RealBackend, registrar: Kamailio, tmp_path: Path
) -> TmuxSession:
    """`agent-tui desk` in an 80x24 tmux pane, logged in and registered."""
    config = write_config(tmp_path / "desk.toml", backend, registrar)
    term = terminal(80, 24)
    launch_desk(term, config, DEMO_PASSWORD, registrar.password(EXTENSION), 30)
    return term


def launch_desk(term: TmuxSession, config: Path, password: str, sip_password: str, deadline_s: float, *,
                raw_output: Path | None = None) -> None:
    """`agent-tui desk --config config` in `term`; waits until logged in and registered. The passwords
    reach it through the environment only; `raw_output`: the bytes it writes to its terminal go there."""
    env = dict(os.environ)
    env["AGENT_TUI_PASSWORD"] = password
    env["AGENT_TUI_SIP_PASSWORD"] = sip_password
    if raw_output is not None:
        raw_output.touch()
    term.start([*agent_tui_command(), "desk", "--config", str(config), "--user", AGENT], env,
               cwd=config.parent)
    if raw_output is not None:
        # -o: only what the program writes to its terminal (not the keys tmux sends it).
        term.tmux("pipe-pane", "-o", "-t", SESSION, f"exec cat >> {shlex.quote(str(raw_output))}")
    term.wait_for_screen(lambda s: "SIP ok" in status_line(s) and "Online" in status_line(s), deadline_s,
                         message="the desk logged in and registered")
    if raw_output is not None:
        wait_for(lambda: raw_output.stat().st_size > 0, 5, message="the desk's raw output being copied")


def status_line(screen: str) -> str:
    """The desk's status bar (the first line)."""
    return screen.split("\n", 1)[0]


def banner(screen: str) -> str:
    """The ringing banner (it may wrap onto a second line)."""
    lines = screen.splitlines()
    for index, line in enumerate(lines):
        if "☎ Ringing" in line:
            return " ".join(lines[index:index + 2])
    return ""


def ring(sipp: Sipp, registrar: Kamailio, customer: dict[str, Any]) -> SippRun:
    """SIPp calls extension 1001 through Kamailio as the customer's phone number (no IVR ids)."""
    keys = {"display": "IVR caller", "caller": customer["phones"][0], "customer_id": "", "account": "",
            "queue": "power-repair"}
    return sipp.start_uac(registrar.address, service=EXTENSION, keys=keys, duration_ms=120_000,
                          recv_timeout_ms=30_000, global_timeout_s=120)


def answer_after_pop(term: TmuxSession, customer: dict[str, Any]) -> None:
    """The customer's name is on screen while it rings; then F3 answers."""
    screen = term.wait_for_screen(
        lambda s: customer["name"] in banner(s) and f"Account: {customer['account']}" in s, 15,
        message=f"{customer['name']} popped while ringing")
    assert "On call" not in screen, "the pop must come before the call is answered"
    assert customer["phones"][0] in banner(screen)
    term.send_keys("F3")
    term.wait_for_text(f"On call {customer['phones'][0]}", 10)


def choose_in_list(term: TmuxSession, listed: str, typed: str, chosen: str, what: str) -> None:
    """Open the focused choice list (Enter), wait for its option `listed`, type `typed` to jump to
    `chosen` and take it; waits until the list has closed on `chosen`."""
    term.send_keys("Enter")
    term.wait_for_text(listed, 5)
    term.type_text(typed)
    term.send_keys("Enter")
    term.wait_for_screen(lambda s: chosen in s and listed not in s, 5, message=f"{what} chosen")


def choose_fault(term: TmuxSession, api: ApiClient) -> None:
    """F9, the repair screen, its first step: the fault type "Voltage problem" chosen by keys."""
    term.send_keys("F9")
    term.wait_for_text("Enter opens", 10)
    screens = api.screen_ids()
    term.send_keys(*["Down"] * screens.index("repair"), "Enter")
    term.wait_for_text("Fault type *", 10)
    # What is wrong: typing "volt" in the open list jumps to "Voltage problem".
    choose_in_list(term, "Meter fault", "volt", "Voltage problem", "the fault type")


def fill_repair_order(term: TmuxSession, api: ApiClient, customer: dict[str, Any], description: str) -> None:
    """F9, the repair screen, its steps by keystrokes, the read-back: up to the end step, not submitted.

    Each step is waited for by its field labels (painted after the fields are mounted), not by its
    title, so no keystroke lands on the previous step's widgets.
    """
    choose_fault(term, api)
    # Where: account and address are prefilled from the popped customer.
    term.send_keys("PageDown")
    screen = term.wait_for_text("Since when", 5)
    assert customer["account"] in screen
    assert customer["address"] in screen
    # Contact: name and phone prefilled; Tab twice to the description.
    term.send_keys("PageDown")
    screen = term.wait_for_text("What the caller describes", 5)
    assert customer["name"] in screen
    # The step is painted before its first field takes the focus: wait for the focus, not the paint.
    wait_for_focus(term, "Contact name", CONTACT_FIELDS)
    term.send_keys("Tab")
    wait_for_focus(term, "Contact phone", CONTACT_FIELDS)
    term.send_keys("Tab")
    wait_for_focus(term, "What the caller describes", CONTACT_FIELDS)
    term.type_text(description)
    term.wait_for_text(description, 5)
    # The read-back lists every answer.
    term.send_keys("PageDown")
    screen = term.wait_for_text("Read this back to the caller", 5)
    for line in ("Fault type: Voltage problem", f"Account number: {customer['account']}",
                 f"Contact name: {customer['name']}", f"Contact phone: {customer['phones'][0]}",
                 f"What the caller describes: {description}"):
        assert line in screen, f"{line!r} not in the read-back:\n{screen}"
    term.send_keys("PageDown")
    term.wait_for_text("Press ctrl+s to submit the work order.", 5)


def focused_field(escaped: str, labels: Sequence[str]) -> str | None:
    """Which of the labelled fields has the focus, read from a capture with escapes.

    A field's frame is drawn on the line under its label; the focused field's frame has its own
    colour. With three or more fields on screen, the one whose frame differs from all the others is
    the focused one (no theme colours are hard-coded); None while no field looks focused.
    """
    lines = escaped.split("\n")
    frames: dict[str, str] = {}
    for index, line in enumerate(lines[:-1]):
        text = SGR.sub("", line).strip()
        for label in labels:
            if text.startswith(label):
                below = lines[index + 1]
                frames[label] = below[: below.find("▔")] if "▔" in below else below
    if len(frames) < 3:
        return None
    counts = Counter(frames.values())
    odd = [label for label, frame in frames.items() if counts[frame] == 1]
    return odd[0] if len(odd) == 1 else None


def wait_for_focus(term: TmuxSession, label: str, labels: Sequence[str]) -> None:
    """Wait until the field labelled `label` has the focus (keys typed before that go elsewhere)."""
    term.wait_for_screen(lambda _plain: focused_field(term.capture(escapes=True), labels) == label, 5,
                         message=f"the focus on {label!r}")


def tickets_with(api: ApiClient, customer: dict[str, Any], description: str) -> list[dict[str, Any]]:
    """The customer's tickets whose description field is ours."""
    return [t for t in api.tickets_of(customer["id"]) if t["fields"].get("description") == description]


def check_ticket(ticket: dict[str, Any], customer: dict[str, Any], description: str) -> None:
    """The ticket has the type, customer and answers typed on the repair screen."""
    assert ticket["ticket_type"] == "repair"
    assert ticket["screen_id"] == "repair"
    assert ticket["customer_id"] == customer["id"]
    assert ticket["created_by"] == AGENT
    assert ticket["status"] == "created"
    assert ticket["call_id"], "the ticket names the call it was taken on"
    assert ticket["fields"] == {
        "fault_type": "voltage",
        "account": customer["account"],
        "address": customer["address"],
        "contact_name": customer["name"],
        "contact_phone": customer["phones"][0],
        "description": description,
    }


def hang_up_and_quit(term: TmuxSession, call: SippRun) -> None:
    """F4 hangs up (SIPp sees the BYE), ctrl+q quits with exit code 0."""
    term.send_keys("F4")
    term.wait_for_text("Call ended", 10)
    result = call.wait(15)
    assert "BYE" in result.requests_received(), result.explain()
    assert term.quit_desk(20) == 0


def test_repair_order_by_keystrokes_reaches_the_backend(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        customer = api.single_match_customer()
        description = f"Lights flicker in the kitchen e2e-{uuid.uuid4().hex[:8]}"
        term = start_desk(terminal, backend, kamailio, tmp_path)
        call = ring(sipp, kamailio, customer)
        answer_after_pop(term, customer)
        fill_repair_order(term, api, customer, description)
        term.send_keys("C-s")
        term.wait_for_text("Work order queued.", 10)

        found = wait_for(lambda: tickets_with(api, customer, description), 15, interval=0.1,
                         message="the ticket in the backend")
        assert len(found) == 1
        check_ticket(found[0], customer, description)
        hang_up_and_quit(term, call)
    finally:
        api.close()


def test_repair_order_submitted_while_the_backend_is_dead_lands_exactly_once(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        customer = api.single_match_customer()
        description = f"Meter sparks at night e2e-{uuid.uuid4().hex[:8]}"
        before = len(api.tickets_of(customer["id"]))
        term = start_desk(terminal, backend, kamailio, tmp_path)
        call = ring(sipp, kamailio, customer)
        answer_after_pop(term, customer)
        fill_repair_order(term, api, customer, description)

        backend.kill()
        term.send_keys("C-s")
        term.wait_for_text("Work order queued.", 10)
        term.wait_for_screen(lambda s: "Offline, 1 queued" in status_line(s), 20,
                             message="the desk offline with the order queued")

        backend.start()
        found = wait_for(lambda: tickets_with(api, customer, description), 40, interval=0.2,
                         message="the queued ticket in the restarted backend")
        term.wait_for_screen(lambda s: "Online" in status_line(s) and "queued" not in status_line(s), 20,
                             message="the desk online with nothing queued")
        # The outbox is empty now: nothing more can arrive. Exactly one ticket, exactly one new one.
        found = tickets_with(api, customer, description)
        assert len(found) == 1, found
        assert len(api.tickets_of(customer["id"])) == before + 1
        check_ticket(found[0], customer, description)
        hang_up_and_quit(term, call)
    finally:
        api.close()
