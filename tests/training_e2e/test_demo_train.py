"""`agent-tui demo train` in a real 80x24 terminal: the console lists the scripted trainee, a launched
scenario rings the trainee's desk and is answered; ctrl+q ends it all (exit 0, no process left)."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import TerminalFactory, terminal
from tests.e2e.tmux import children_of
from tests.support.peers import require_binary
from tests.support.sip_peers import agent_tui_command

__all__ = ["terminal"]

pytestmark = pytest.mark.peers


def test_demo_train_launches_a_scenario(terminal: TerminalFactory) -> None:
    require_binary("espeak-ng", "espeak-ng")
    session = terminal(80, 24)
    env = {**os.environ, "AGENT_TUI_DEMO_TRAINEE": "script"}
    session.start([*agent_tui_command(), "demo", "train"], env=env)
    session.wait_for_text("1 trainee(s) ready", timeout=90)
    session.send_keys("F2")
    session.wait_for_text("Launch a scenario to agent02", timeout=20)
    session.send_keys("Enter")
    screen = session.wait_for_screen(lambda text: "answered" in text, timeout=60)
    assert "agent02" in screen
    pid = session.display("#{pane_pid}")
    assert children_of(int(pid)), "the demo's processes run under it"
    session.send_keys("C-q")
    assert session.wait_exit(30) == 0
