"""The login form typed in one burst, in a real 80x24 terminal: every key lands where it was typed.

tmux `send-keys` gets the whole sequence in one call, so the desk reads it in one go (as from a fast
typist, a paste, a password manager or a laggy SSH link). Before Tab and Enter were priority bindings,
`pp1234` Tab Tab `demo` Enter put all ten characters into the passphrase field.

Real parts: the reference backend (subprocess, demo seed), `agent-tui desk` in tmux, the encrypted
credential file (the test environment has no OS keyring), no SIP registrar (`--listen`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent_tui.credentials import CREDENTIALS_FILE, CredentialStore
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.tmux import TmuxSession
from tests.support.sip_peers import agent_tui_command

pytestmark = pytest.mark.peers

AGENT = "agent01"
PASSPHRASE = "pp1234"
ONLINE = "Online"


def credential_file() -> Path:
    """Where the desk keeps the encrypted credential file (under the test's XDG_DATA_HOME)."""
    return Path(os.environ["XDG_DATA_HOME"]) / "agent-tui" / CREDENTIALS_FILE


def start_login(terminal: TerminalFactory, backend: RealBackend, tmp_path: Path) -> TmuxSession:
    """`agent-tui desk` with no password given: the login form, waiting for the passphrase field."""
    config = tmp_path / "desk.toml"
    config.write_text(f'[backend]\nurl = "{backend.url}"\n\n[logging]\nfile = "{tmp_path / "desk.log"}"\n',
                      encoding="utf-8")
    term = terminal(80, 24)
    env = {k: v for k, v in os.environ.items() if k not in ("AGENT_TUI_PASSWORD", "AGENT_TUI_SIP_PASSWORD")}
    argv = [*agent_tui_command(), "desk", "--config", str(config), "--listen", "127.0.0.1:0"]
    term.start([*argv, "--user", AGENT], env, cwd=tmp_path)
    term.wait_for_text("Passphrase of the credential file", 30)
    return term


def logged_in(screen: str) -> bool:
    """The desk's status bar says the backend is reachable (the login went through)."""
    return ONLINE in screen.split("\n", 1)[0]


def test_passphrase_user_password_and_enter_in_one_burst_log_in(
    terminal: TerminalFactory, backend: RealBackend, tmp_path: Path
) -> None:
    store = CredentialStore.open(prefer="file", file_path=credential_file())
    store.unlock(PASSPHRASE)  # an existing credential file: one passphrase field
    term = start_login(terminal, backend, tmp_path)
    screen = term.capture()
    assert "same passphrase again" not in screen, "an existing file asks its passphrase once"
    assert "Your own passphrase that locks the SIP password saved here." in screen, "one line says what it is"

    # A slip corrected in the same read: BSpace deletes the "x" before it, not a later key; one Tab too
    # many (to the SIP password) and Shift+Tab back to the password.
    term.send_keys(*PASSPHRASE, "x", "BSpace", "Tab", "Tab", "Tab", "BTab", *DEMO_PASSWORD, "Enter")

    screen = term.wait_for_screen(lambda s: logged_in(s) or "Wrong passphrase" in s or "Login failed" in s,
                                  30, message="the login's outcome")
    assert logged_in(screen), screen
    assert term.quit_desk(20) == 0


def test_new_credential_file_asks_twice_and_a_failed_check_takes_the_focus(
    terminal: TerminalFactory, backend: RealBackend, tmp_path: Path
) -> None:
    assert not credential_file().exists()
    term = start_login(terminal, backend, tmp_path)
    term.wait_for_text("same passphrase again", 5)

    # Two passphrases that differ: nothing is created, the focus goes back to the first field, and the
    # keys typed behind Enter in the same read fill the two passphrase fields again. Then the user is
    # emptied (Tab selects the prefilled name, BSpace deletes it): Enter in the password says a field is
    # missing and focuses the user field; the name typed behind it lands there, Enter moves to the
    # password (still typed), Enter logs in. All in one read.
    term.send_keys(*PASSPHRASE, "Tab", *"pp9999", "Tab", "Tab", *DEMO_PASSWORD, "Enter",
                   *PASSPHRASE, "Tab", *PASSPHRASE, "Tab", "BSpace", "Tab", "Enter",
                   *AGENT, "Enter", "Enter")
    screen = term.wait_for_screen(lambda s: logged_in(s) or "Wrong passphrase" in s or "Login failed" in s,
                                  30, message="the login's outcome")
    assert logged_in(screen), screen
    assert credential_file().exists(), "the credential file was created"
    reopened = CredentialStore.open(prefer="file", file_path=credential_file())
    reopened.unlock(PASSPHRASE)  # raises WrongPassphrase if the file took another passphrase
    assert term.quit_desk(20) == 0
