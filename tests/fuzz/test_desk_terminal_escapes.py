"""No escape sequence from a caller or the backend ever reaches the desk's terminal.

The real desk runs in tmux (a real terminal) against the real backend, registered at Kamailio. The
backend holds customers whose name, address, area, meter, last contact's notes (9 KB), outcome and
agent are hostile (OSC 52 clipboard writes, window titles, hyperlinks, screen clears, DCS/APC/PM
strings, 8-bit C1 controls, bidi overrides, Rich markup). SIPp then rings the desk with hostile
display names, caller user parts, X-Customer-Id, X-Account and X-Queue headers (invalid UTF-8
and 2.4 KB names too), one call per variant: the test waits until the pop shows the variant's
printable text (markup literally), then rejects it. Every byte the desk writes to its terminal is
copied by `tmux pipe-pane`. A plain call answered, hung up and wrapped up first is the baseline.

Then: no escape sequence written after the baseline contains a variant's marker; none is of a kind
the baseline never used (no OSC 52, no title, no screen clear, no DCS); no C1 or bidi control and
no invalid UTF-8 was written at all; the last hostile call is answered and hung up normally and the
desk quits with 0.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.e2e.backend import ApiClient
from tests.e2e.conftest import TerminalFactory, terminal
from tests.e2e.test_desk_repair_order import EXTENSION, banner, choose_in_list, status_line
from tests.e2e.tmux import TmuxSession
from tests.fuzz.terminal_escapes import (
    HostileCall,
    HostileCustomer,
    bad_code_points,
    calls,
    customers,
    header_value,
    kind,
    quoted_pairs,
    sequences,
)
from tests.security.desk_stack import (
    PLAIN_SDP,
    Stack,
    stack,
    start_desk,
    write_desk_config,
)
from tests.support.sip_peers import Sipp, SippRun, sipp

__all__ = ["sipp", "stack", "terminal"]

pytestmark = pytest.mark.peers

WIDTH, HEIGHT = 200, 50
HOSTILE_CUSTOMERS = 10
MARKER = re.compile(r"Q[ZC]\d\d")


def squeeze(text: str) -> str:
    """Whitespace runs as one space: a line wrapped on screen still matches."""
    return " ".join(text.split())


def add_customers(api: ApiClient, items: Iterable[HostileCustomer]) -> None:
    """Store the hostile customers and a last contact of each, as any client of the REST API could."""
    for item in items:
        response = api.http.post("/v1/customers", json={
            "account": item.account, "name": item.name, "phones": [item.phone], "address": item.address,
            "area": item.area, "meter": item.meter, "custom": {"note": item.notes[:200]},
        })
        assert response.status_code == 201, response.text
        customer_id = response.json()["id"]
        record = api.http.post("/v1/calls", json={
            "call_id": f"seed-{uuid.uuid4().hex}", "number": item.phone, "customer_id": customer_id,
            # A call record is written only by its own agent (docs/roles.md): the hostile text rides in the
            # notes and the outcome, which the card shows next to the agent's name.
            "agent": api.username, "notes": f"{item.agent} {item.notes}", "disposition": item.outcome,
            "answered_at": "2026-01-05T10:00:00Z", "ended_at": "2026-01-05T10:05:00Z",
        })
        assert record.status_code == 200, record.text


def call_keys(call: HostileCall) -> dict[str, str]:
    """SIPp keys of `uac_hostile.xml` for one call (IVR headers as extra header lines)."""
    extra = [f"X-Queue: {header_value(call.queue)}"]
    if call.customer_id:
        extra.append(f"X-Customer-Id: {header_value(call.customer_id)}")
    if call.account:
        extra.append(f"X-Account: {header_value(call.account)}")
    return {"display": quoted_pairs(call.display), "caller": call.caller, "contact_header": "Contact",
            "extra": "\r\n".join(extra), "content_type": "application/sdp", "sdp": PLAIN_SDP}


def ring_hostile(sipp: Sipp, stack: Stack, call: HostileCall) -> SippRun:
    """SIPp calls the desk through Kamailio with the hostile INVITE; it accepts a refusal."""
    return sipp.start("uac_hostile.xml", stack.kamailio.address, service=EXTENSION, keys=call_keys(call),
                      recv_timeout_ms=20_000, global_timeout_s=40)


def wait_shown(term: TmuxSession, call: HostileCall) -> str:
    """Wait until every expected printable text of `call` is on screen; the screen then."""
    return term.wait_for_screen(lambda s: all(squeeze(e) in squeeze(s) for e in call.expect), 15,
                                message=f"{call.marker} shown as {call.expect}")


def reject(term: TmuxSession, run: SippRun) -> None:
    """ctrl+r refuses the ringing call; SIPp ACKs the refusal and ends well."""
    term.send_keys("C-r")
    result = run.wait(20)
    assert result.ok, result.explain()
    assert any(code >= 400 for code in result.responses()), result.responses()


def baseline_call(term: TmuxSession, sipp: Sipp, stack: Stack, api: ApiClient) -> None:
    """A plain call from a seeded customer: popped, answered, hung up, wrapped up; then one refused."""
    customer = api.single_match_customer()
    run = sipp.start_uac(stack.kamailio.address, service=EXTENSION, duration_ms=60_000,
                         keys={"display": "Plain Caller", "caller": customer["phones"][0], "customer_id": "",
                               "account": "", "queue": "power-repair"},
                         recv_timeout_ms=30_000, global_timeout_s=60)
    term.wait_for_screen(lambda s: customer["name"] in banner(s), 15, message="the plain pop")
    term.send_keys("F3")
    term.wait_for_text(f"On call {customer['phones'][0]}", 10)
    term.send_keys("F4")
    term.wait_for_text("Call ended", 10)
    assert "BYE" in run.wait(15).requests_received()
    term.send_keys("F10")
    term.wait_for_text("Wrap-up:", 10)
    # No work order on this call: the disposition must be chosen.
    choose_in_list(term, "Wrong number", "info", "Information given", "the disposition")
    term.send_keys("C-s")
    term.wait_for_screen(lambda s: "After-call work" not in status_line(s), 10, message="wrap-up saved")
    plain = HostileCall(marker="plain", display="Other Plain Caller", caller="13999300001", customer_id="",
                        account="", queue="billing", expect=("Other Plain Caller", "billing"))
    run = ring_hostile(sipp, stack, plain)
    wait_shown(term, plain)
    reject(term, run)


def test_hostile_text_never_reaches_the_terminal(
    terminal: TerminalFactory, stack: Stack, sipp: Sipp, tmp_path: Path
) -> None:
    hostile_customers = customers(HOSTILE_CUSTOMERS)
    variants = list(calls(hostile_customers))
    assert len(variants) >= 36
    api = stack.client()
    try:
        add_customers(api, hostile_customers)
        desk_dir = tmp_path / "desk"
        desk_dir.mkdir()
        config = write_desk_config(desk_dir / "desk.toml", stack)
        raw_path = desk_dir / "terminal.raw"
        term = terminal(WIDTH, HEIGHT)
        start_desk(term, stack, config, raw_path)
        baseline_call(term, sipp, stack, api)
        baseline_end = raw_path.stat().st_size

        *refused, last = variants
        screens: dict[str, str] = {}
        for call in refused:
            run = ring_hostile(sipp, stack, call)
            screens[call.marker] = wait_shown(term, call)
            reject(term, run)
        # The last one is answered and hung up: the desk still works after all that.
        run = ring_hostile(sipp, stack, last)
        screens[last.marker] = wait_shown(term, last)
        term.send_keys("F3")
        term.wait_for_text("On call", 10)
        term.send_keys("F4")
        term.wait_for_text("Call ended", 10)
        result = run.wait(20)
        assert result.ok, result.explain()
        hostile_end = raw_path.stat().st_size  # what follows restores the terminal at exit
        assert term.quit_desk(30) == 0
    finally:
        api.close()

    raw = raw_path.read_bytes()
    text = raw.decode("utf-8")  # strict: the desk never writes invalid UTF-8
    assert not bad_code_points(text), sorted(set(bad_code_points(text)))
    baseline = raw[:baseline_end].decode("utf-8", errors="ignore")
    hostile = raw[baseline_end:hostile_end].decode("utf-8", errors="ignore")
    assert len(hostile) > 50_000, "too little terminal output after the baseline to judge"
    with_marker = sorted({seq for seq in sequences(text) if MARKER.search(seq)})
    assert not with_marker, f"escape sequences carrying hostile text: {with_marker[:10]}"
    known = {kind(seq) for seq in sequences(baseline)}
    new = sorted({kind(seq) for seq in sequences(hostile)} - known)
    assert not new, f"escape sequences of kinds the plain session never wrote: {new}"
    for forbidden in ("OSC 52", "OSC 0", "OSC 2", "CSI J", "ESC c", "ESC P string", "ESC _ string"):
        assert forbidden not in {kind(seq) for seq in sequences(hostile)}, forbidden
    # The desk's logs too: someone reads them in a terminal (pjsip logs whole SIP messages).
    for log in (desk_dir / "desk.log", desk_dir / "pjsip.log"):
        logged = log.read_text(encoding="utf-8", errors="replace")
        assert "QZ01" in logged or log.name == "desk.log", f"{log.name} has none of the calls"
        unsafe = sorted({f"U+{ord(c):04X}" for c in logged if c == "\x1b" or c == "\x07"} |
                        set(bad_code_points(logged)))
        assert not unsafe, f"{log.name} holds terminal controls from callers: {unsafe}"
    # The markers reached the screen as text, so the hostile variants really were displayed.
    shown = set(MARKER.findall(" ".join(screens.values())))
    assert {call.marker for call in variants} <= shown
