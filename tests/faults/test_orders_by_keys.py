"""Five work orders typed into the real desk (tmux, 80x24) while the backend is dead, then the desk
SIGKILLed: a new desk process on the same state folder resumes the outbox journal, and once the backend
is back all five orders exist exactly once.

The first order is filled while the backend is up (its screens come from the backend); the backend is
SIGKILLed before it is submitted, and the next four are filled from the bundled screens the desk falls
back to. Nothing is delivered before the desk dies: the journal holds all five, and only the second
desk process can deliver them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent_tui.forms.loader import bundled_screens_dir, load_screens
from tests.e2e.backend import ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import (
    AGENT,
    answer_after_pop,
    check_ticket,
    fill_repair_order,
    ring,
    start_desk,
    status_line,
)
from tests.e2e.tmux import TmuxSession
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

ORDERS = 5
QUEUED = re.compile(r"Offline, (\d+) queued")


class OfflineScreens(ApiClient):
    """What `fill_repair_order` asks the backend (the screens' order) while the backend is dead: the
    bundled screens the desk falls back to. It never talks to the backend."""

    def __init__(self) -> None:  # no login: the backend is down
        self.ids = [screen.id for screen in load_screens(bundled_screens_dir()).screens]

    def screen_ids(self) -> list[str]:
        """The bundled screens, in the order the desk lists them."""
        return list(self.ids)


def queued_count(screen: str) -> int | None:
    """N of "Offline, N queued" on the status bar, None when it says something else."""
    match = QUEUED.search(status_line(screen))
    return int(match.group(1)) if match else None


def journal_tickets(state_home: Path) -> list[str]:
    """Descriptions of the work orders waiting in the desk's outbox journal."""
    journal = state_home / "agent-tui" / "outbox.db"
    db = sqlite3.connect(journal)
    try:
        rows = db.execute(
            "SELECT body FROM outbox WHERE kind = 'ticket' AND dead = 0 ORDER BY seq").fetchall()
    finally:
        db.close()
    return [json.loads(body)["fields"]["description"] for (body,) in rows]


def submit(term: TmuxSession, before: int | None) -> int:
    """ctrl+s on the end step; wait until the status bar counts one more queued write."""
    term.send_keys("C-s")
    screen = term.wait_for_screen(
        lambda s: (count := queued_count(s)) is not None and (before is None or count > before), 20,
        message="one more write queued offline")
    count = queued_count(screen)
    assert count is not None
    return count


def test_five_orders_by_keys_survive_backend_death_and_desk_sigkill(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        customer = api.single_match_customer()
        before = len(api.tickets_of(customer["id"]))
        marker = f"keys-{uuid.uuid4().hex[:8]}"
        descriptions = [f"{marker} fault {n}" for n in range(1, ORDERS + 1)]
        term = start_desk(terminal, backend, kamailio, tmp_path)
        ring(sipp, kamailio, customer)
        answer_after_pop(term, customer)

        fill_repair_order(term, api, customer, descriptions[0])
        api.close()
        backend.kill()
        queued = submit(term, None)
        offline = OfflineScreens()
        for text in descriptions[1:]:
            fill_repair_order(term, offline, customer, text)
            queued = submit(term, queued)

        state_home = Path(os.environ["XDG_STATE_HOME"])
        assert journal_tickets(state_home) == descriptions, "all five orders journalled, in order"
        assert term.pane is not None
        os.kill(term.pane.pid, signal.SIGKILL)
        term.wait_exit(10)
        # Read the signal from tmux itself: TmuxSession.exit_status reads a signal death as status N.
        assert term.display("#{pane_dead_signal}") == str(int(signal.SIGKILL))
        assert journal_tickets(state_home) == descriptions, "the journal outlives the desk"

        backend.start()
        api = backend.client(AGENT)
        term2 = start_desk(terminal, backend, kamailio, tmp_path)

        def mine() -> list[dict[str, Any]]:
            return [t for t in api.tickets_of(customer["id"])
                    if t["fields"].get("description", "").startswith(marker)]

        def landed() -> list[dict[str, Any]] | None:
            found = mine()
            return found if len(found) >= ORDERS else None

        wait_for(landed, 40, interval=0.2, message="the five orders in the restarted backend")
        term2.wait_for_screen(lambda s: "Online" in status_line(s) and "queued" not in status_line(s), 30,
                              message="the new desk online with nothing queued")
        assert journal_tickets(state_home) == []
        tickets = mine()
        assert Counter(t["fields"]["description"] for t in tickets) == Counter(descriptions), tickets
        assert len(api.tickets_of(customer["id"])) == before + ORDERS
        for ticket in tickets:
            check_ticket(ticket, customer, ticket["fields"]["description"])
        assert term2.quit_desk(20) == 0
    finally:
        api.close()
