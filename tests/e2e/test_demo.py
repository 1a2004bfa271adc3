"""`agent-tui demo` in a real 80x24 terminal: a seeded customer pops while ringing; ctrl+q ends it all.

The demo starts its own backend, the desk logged in as agent01 and a caller ringing the desk as random
seeded customers. The test reads the ringing number off the screen, asks the demo's backend (found
through the demo's child processes) who has that number, and checks that name is in the ringing
banner and the customer card before anyone answers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import DEMO_PASSWORD, ApiClient
from tests.e2e.conftest import TerminalFactory
from tests.e2e.tmux import ProcessRef, children_of, cmdline
from tests.support.sip_peers import agent_tui_command
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

RINGING = re.compile(r"☎ Ringing (\S+)")


def demo_children(demo_pid: int) -> dict[str, ProcessRef] | None:
    """The demo's backend and caller processes, once both run."""
    found: dict[str, ProcessRef] = {}
    for pid in children_of(demo_pid):
        argv = cmdline(pid)
        if "server" in argv and "--port" in argv:
            found["server"] = ProcessRef(pid)
        elif "agent_tui.demo.caller" in argv:
            found["caller"] = ProcessRef(pid)
    return found if len(found) == 2 else None


def backend_port(server: ProcessRef) -> int:
    """The port on the demo backend's command line."""
    argv = cmdline(server.pid)
    return int(argv[argv.index("--port") + 1])


def banner(screen: str) -> str:
    """The ringing banner's text (it may wrap onto a second line)."""
    lines = screen.splitlines()
    for index, line in enumerate(lines):
        if RINGING.search(line):
            return " ".join(lines[index:index + 2])
    return ""


def test_demo_pops_a_seeded_customer_while_ringing_and_quits_cleanly(
    terminal: TerminalFactory, isolated_dirs: Path
) -> None:
    term = terminal(80, 24)
    term.start([*agent_tui_command(), "demo"], dict(os.environ))
    assert term.pane is not None
    children = wait_for(lambda: demo_children(term.pane.pid) if term.pane else None, 30,
                        message="the demo's backend and caller")
    api = ApiClient(f"http://127.0.0.1:{backend_port(children['server'])}", "agent01", DEMO_PASSWORD)
    known: dict[str, list[dict[str, Any]]] = {}

    def popped(screen: str) -> dict[str, Any] | None:
        """The customer whose name the ringing banner shows, checked against the backend."""
        found = RINGING.search(screen)
        if found is None:
            return None
        number = found.group(1)
        if number not in known:
            known[number] = api.lookup_phone(number)
        for customer in known[number]:
            if customer["name"] in banner(screen) and f"Account: {customer['account']}" in screen:
                return customer
        return None

    try:
        customer: dict[str, Any] | None = None

        def ringing_with_name() -> bool:
            nonlocal customer
            customer = popped(term.capture())
            return customer is not None

        wait_for(ringing_with_name, 45, interval=0.1, message="a ringing call with a seeded customer's name")
        assert customer is not None
        assert known, "the banner showed no number"
        assert "On call" not in term.last_screen, "the name must show before the call is answered"
        coloured = term.capture(escapes=True)
        assert "\x1b[" in coloured
        assert customer["name"] in coloured
    finally:
        api.close()

    # The demo's files went where the test's XDG dirs say (the environment reached the pane).
    demo_dir = Path(os.environ["XDG_STATE_HOME"]) / "agent-tui" / "demo"
    assert (demo_dir / "demo.db").is_file()
    assert (demo_dir / "server.log").is_file()

    assert term.quit_desk(20) == 0
    wait_for(lambda: not any(ref.alive for ref in children.values()), 15, interval=0.05,
             message="the demo's backend and caller to exit")
    assert term.pane is not None
    assert not term.pane.alive
