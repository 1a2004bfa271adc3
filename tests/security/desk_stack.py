"""A whole desk stack for security and fuzz tests: the reference backend, Kamailio and `agent-tui desk`
in tmux, with passwords made up for this one test.

The backend runs with the demo seed; the agent's password is then replaced in its database by a random
one, and Kamailio is configured to accept only another random SIP password for the extension, so a
scan can look for strings that occur nowhere else. The desk's raw terminal output is copied to a file
with `tmux pipe-pane`, byte for byte as the desk wrote it (before tmux interprets any escape).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_tui.server.security import hash_password
from tests.e2e.backend import ApiClient, RealBackend
from tests.e2e.test_desk_repair_order import AGENT, launch_desk, write_config
from tests.e2e.tmux import TmuxSession
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio

PLAIN_SDP = "\r\n".join(["v=0", "o=sipp 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                         "m=audio 40000 RTP/AVP 8", "a=rtpmap:8 PCMA/8000", ""])
"""A well-formed offer for the `sdp` key of uac_hostile.xml."""


def random_backend_password() -> str:
    """A password that occurs nowhere else, with characters that URL-encoding changes."""
    return f"Bk {secrets.token_hex(10)}/+&%Zq"


def random_sip_password() -> str:
    """A SIP password that occurs nowhere else (no `$` or quotes: it goes into a Kamailio string)."""
    return f"Sp+{secrets.token_hex(10)}/!Xw"


class PasswordKamailio(Kamailio):
    """Kamailio accepting one fixed password for every user instead of `secret-USER`."""

    def __init__(self, binary: str, workdir: Path, sip_password: str) -> None:
        super().__init__(binary, workdir)
        self.sip_password = sip_password

    def password(self, user: str) -> str:
        """The one password this registrar accepts."""
        return self.sip_password

    def write_config(self) -> Path:
        """The shared template, with the literal password in place of `secret-$tU`."""
        path = super().write_config()
        text = path.read_text()
        if '"secret-$tU"' not in text:
            raise RuntimeError("kamailio.cfg.in no longer checks the password as \"secret-$tU\"")
        path.write_text(text.replace('"secret-$tU"', f'"{self.sip_password}"'))
        return path


def set_backend_password(backend: RealBackend, username: str, password: str) -> None:
    """Replace a user's password hash in the backend's SQLite database (logins read it every time)."""
    with sqlite3.connect(backend.db_path, timeout=10) as db:
        changed = db.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                             (hash_password(password), username)).rowcount
    assert changed == 1, f"no user {username} in the backend"


def token_hashes(backend: RealBackend, username: str) -> set[str]:
    """The SHA-256 of every bearer token issued to `username` (all the backend keeps of them)."""
    with sqlite3.connect(backend.db_path, timeout=10) as db:
        rows = db.execute("SELECT t.token_hash FROM tokens t JOIN users u ON u.id = t.user_id "
                          "WHERE u.username = ?", (username,)).fetchall()
    return {str(row[0]) for row in rows}


@dataclass
class Stack:
    """The started backend and registrar, and the secrets of this test."""

    backend: RealBackend
    kamailio: PasswordKamailio
    password: str
    sip_password: str
    workdir: Path

    def client(self) -> ApiClient:
        """A REST client logged in as the agent with this test's password."""
        return ApiClient(self.backend.url, AGENT, self.password)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Backend (agent01's password random) and Kamailio (a random SIP password), both stopped after."""
    kamailio_binary = require_binary("kamailio", "kamailio")
    (tmp_path / "backend").mkdir()
    (tmp_path / "kamailio").mkdir()
    backend = RealBackend(tmp_path / "backend")
    registrar = PasswordKamailio(kamailio_binary, tmp_path / "kamailio", random_sip_password())
    password = random_backend_password()
    try:
        backend.start()
        set_backend_password(backend, AGENT, password)
        registrar.start()
        yield Stack(backend, registrar, password, registrar.sip_password, tmp_path)
    finally:
        registrar.stop()
        backend.stop()
    leftovers = backend.leftover_pids() + registrar.leftover_pids()
    assert not leftovers, f"processes left running: {leftovers}"


def write_desk_config(path: Path, stack: Stack, acw_mode: str = "optional") -> Path:
    """A desk config: the test backend, extension 1001 at the test Kamailio, the log next to it."""
    return write_config(path, stack.backend, stack.kamailio, acw_mode)


def start_desk(term: TmuxSession, stack: Stack, config: Path, raw_output: Path) -> None:
    """`agent-tui desk` in `term`, its raw output copied to `raw_output`; waits until logged in and
    registered. The passwords reach it through the environment only."""
    launch_desk(term, config, stack.password, stack.sip_password, 40, raw_output=raw_output)
