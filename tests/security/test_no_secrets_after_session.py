"""After a full shift on the desk, no password or token is left in any file the desk wrote.

Everything is real: the reference backend (agent01's password replaced by a random one), Kamailio
with digest auth (a random SIP password), SIPp calling through it, `agent-tui desk` in tmux. The
agent logs in, takes the call, pops the customer, files a repair order, leaves a second one as a
draft, hangs up, wraps up, goes Not Ready and quits. Then every file in the desk's config, data,
state, cache and log folders, its log files, its config, the outbox database, the draft, the raw
bytes it wrote to its terminal, every captured screen and the backend's log are searched for the
backend password, the SIP password, the desk's bearer token (known to the backend only as a
SHA-256: every token-shaped string is hashed and compared) and the monitor key the desk fetched,
plain, URL-encoded and base64.

The desk has no crash-report path (no excepthook, no crash folder; Textual's own traceback goes to
the terminal, which is scanned), so no crash is provoked here.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.backend import DEMO_PASSWORD, ApiClient
from tests.e2e.conftest import TerminalFactory, terminal
from tests.e2e.test_desk_repair_order import (
    AGENT,
    EXTENSION,
    answer_after_pop,
    choose_fault,
    fill_repair_order,
    ring,
    status_line,
    tickets_with,
)
from tests.e2e.tmux import TmuxSession
from tests.security.desk_stack import (
    PLAIN_SDP,
    Stack,
    stack,
    start_desk,
    token_hashes,
    write_desk_config,
)
from tests.security.secret_scan import Finding, Scanner
from tests.support.sip_peers import Sipp, sipp
from tests.support.waiting import wait_for

__all__ = ["sipp", "stack", "terminal"]

pytestmark = pytest.mark.peers


def canary_check(scanner: Scanner, api_token: str, folder: Path) -> None:
    """The scanner finds each secret in each form it claims to: planted copies must be reported."""
    planted = folder / "canary"
    planted.mkdir()
    samples = {
        "plain.log": f"x {scanner.secrets['backend password']} y",
        "url.txt": "password=" + quote(scanner.secrets["SIP password"], safe=""),
        "b64.txt": base64.b64encode(f"agent01:{scanner.secrets['backend password']}".encode()).decode(),
        "token.json": f'{{"token": "{api_token}"}}',
        "token-b64.txt": base64.b64encode(f"Bearer {api_token}".encode()).decode(),
    }
    for name, text in samples.items():
        (planted / name).write_text(text)
    probe = Scanner(secrets=dict(scanner.secrets), token_hashes={"test token": token_hashes_of(api_token)})
    found = probe.scan_paths([planted])
    by_file = {Path(f.where).name for f in found}
    assert by_file == set(samples), f"the scanner missed planted secrets: {sorted(set(samples) - by_file)}"


def listen_in(stack: Stack, sipp: Sipp) -> str:
    """The supervisor gets a monitor token and their phone (SIPp) listens in: the desk takes it."""
    supervisor = ApiClient(stack.backend.url, "sup01", DEMO_PASSWORD)
    try:
        answer = supervisor.http.post("/v1/monitor-tokens", json={"agent": AGENT, "mode": "listen"})
        assert answer.status_code == 201, answer.text
        token = str(answer.json()["token"])
    finally:
        supervisor.close()
    keys = {"display": "Supervisor", "caller": "1801", "contact_header": "Contact",
            "extra": f"X-Monitor: listen\r\nX-Monitor-Token: {token}", "content_type": "application/sdp",
            "sdp": PLAIN_SDP}
    result = sipp.run("uac_hostile.xml", stack.kamailio.address, service=EXTENSION, keys=keys,
                      recv_timeout_ms=10_000, timeout=20)
    assert result.ok, result.explain()
    assert 200 in result.responses(), "the desk refused the monitoring call: the token was not used"
    return token


def leave_a_draft(term: TmuxSession, api: ApiClient) -> None:
    """A second repair order, begun and left unsubmitted: its draft stays on disk for the scan."""
    choose_fault(term, api)
    term.send_keys("Escape")

    def at_desk(screen: str) -> bool:
        # The question keeps the call strip ("On call") on top: the desk is reached once it has gone.
        return "Fault type" not in screen and "On call" in screen and "Leave this work order?" not in screen

    # Something was typed: the desk asks before it leaves the form (the draft stays); y leaves.
    screen = term.wait_for_screen(lambda s: "Leave this work order?" in s or at_desk(s), 5,
                                  message="the form closing")
    if not at_desk(screen):
        term.send_keys("y")
        term.wait_for_screen(at_desk, 5, message="back at the desk")


def token_hashes_of(token: str) -> set[str]:
    """The backend's record of `token`."""
    return {hashlib.sha256(token.encode()).hexdigest()}


def test_no_secret_in_any_desk_file_after_a_full_session(
    terminal: TerminalFactory, stack: Stack, sipp: Sipp, tmp_path: Path
) -> None:
    api = stack.client()
    try:
        api_token = str(api.http.headers["Authorization"]).removeprefix("Bearer ")
        monitor_key = str(api.get("/v1/phone-config")["monitor_key"])
        customer = api.single_match_customer()
        description = f"Sparks at the meter sec-{uuid.uuid4().hex[:8]}"
        before_desk = token_hashes(stack.backend, AGENT)

        desk_dir = tmp_path / "desk"
        desk_dir.mkdir()
        config = write_desk_config(desk_dir / "desk.toml", stack)
        raw = desk_dir / "terminal.raw"
        screens: list[str] = []
        term = terminal(80, 24)
        start_desk(term, stack, config, raw)
        desk_tokens = token_hashes(stack.backend, AGENT) - before_desk
        assert desk_tokens, "the desk's login left no token in the backend"

        call = ring(sipp, stack.kamailio, customer)
        answer_after_pop(term, customer)
        screens.append(term.last_screen)
        monitor_token = listen_in(stack, sipp)
        fill_repair_order(term, api, customer, description)
        screens.append(term.last_screen)
        term.send_keys("C-s")
        screens.append(term.wait_for_text("Work order queued.", 10))
        wait_for(lambda: tickets_with(api, customer, description), 15, interval=0.1,
                 message="the ticket in the backend")

        leave_a_draft(term, api)

        term.send_keys("F4")
        screens.append(term.wait_for_text("Call ended", 10))
        result = call.wait(15)
        assert "BYE" in result.requests_received(), result.explain()
        term.wait_for_screen(lambda s: "After-call work" in status_line(s), 10, message="after-call work")
        term.send_keys("F10")
        screens.append(term.wait_for_text("Wrap-up:", 10))
        term.send_keys("C-s")
        screen = term.wait_for_screen(lambda s: "After-call work" not in status_line(s), 10,
                                      message="after-call work ended by the wrap-up")
        screens.append(screen)
        if "Not Ready" in status_line(screen):
            term.send_keys("F2")  # back to Ready first, so Not Ready is chosen with a reason
            term.wait_for_screen(lambda s: "Ready" in status_line(s) and "Not Ready" not in status_line(s),
                                 10, message="Ready")
        term.send_keys("F2")
        screens.append(term.wait_for_text("Not Ready: why?", 10))
        term.send_keys("Enter")
        screens.append(term.wait_for_screen(lambda s: "Not Ready (" in status_line(s), 10,
                                            message="Not Ready with a reason"))
        wait_for(lambda: api.get(f"/v1/agents/{AGENT}/state")["state"]["state"] == "not_ready", 15,
                 interval=0.1, message="the backend seeing the agent Not Ready")
        assert term.quit_desk(30) == 0
        screens.append(term.capture())
    finally:
        api.close()

    screen_file = desk_dir / "screens.txt"
    screen_file.write_text("\n\f\n".join(screens))
    scanner = Scanner(
        secrets={"backend password": stack.password, "SIP password": stack.sip_password,
                 "monitor key": monitor_key, "monitor token": monitor_token},
        token_hashes={"desk bearer token": desk_tokens, "test bearer token": token_hashes_of(api_token)},
    )
    canary_check(scanner, api_token, tmp_path)

    home = Path(os.environ["HOME"])
    # The backend's log too: it saw every password and token of the session.
    found: list[Finding] = scanner.scan_paths([home, desk_dir, stack.backend.log_path])
    assert not found, "secrets left behind:\n" + "\n".join(map(str, found))

    names = {path.name for path in scanner.files_read}
    log = desk_dir / "desk.log"
    assert log in scanner.files_read, f"the desk log was not scanned; read {sorted(names)}"
    assert "screen pop" in log.read_text(errors="replace"), "the scanned log has no line about the call"
    assert raw in scanner.files_read, "the terminal output was not scanned"
    assert raw.stat().st_size > 10_000, "the copied terminal output is too short to be the session's"
    outbox = [path for path in scanner.files_read if "outbox" in path.name]
    assert outbox, f"no outbox database among the scanned files: {sorted(names)}"
    drafts = [path for path in scanner.files_read if path.name.endswith(".draft.json")]
    assert drafts, f"no draft among the scanned files: {sorted(names)}"
    assert len(scanner.files_read) >= 5
    assert scanner.bytes_read > 100_000
