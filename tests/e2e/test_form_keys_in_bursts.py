"""The repair order and the wrap-up typed in bursts, in a real 80x24 terminal: every key lands where it
was typed (also the keys typed behind the F9 that opens the panel), a failed step hands the focus to its
failing field, Escape on typed work asks first.

Each burst is ONE tmux `send-keys` call, so the desk reads it in one go. Real parts: the reference
backend, Kamailio, SIPp calling as a seeded customer, `agent-tui desk` registered in tmux; the ticket
and the call record are read back from the backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.crash_tail import crash_in_failure
from tests.e2e.test_desk_repair_order import answer_after_pop, ring, start_desk, status_line
from tests.e2e.tmux import TmuxSession
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

DESCRIPTION = "sparks at the meter"
MORE = " and a smell"
NAME = "Li"
PHONE = "13900000000"
TRANSFER = "no transfer"
NOTES = "caller calm, crew told"
ORDER_NUMBER = "GD20991231000777"  # not the example in the field's help


def keys(text: str) -> list[str]:
    """`text` as tmux key names (a space is `Space`), to go into one send-keys call with other keys."""
    return ["Space" if char == " " else char for char in text]


def readback(term: TmuxSession, *lines: str) -> str:
    """Wait for the read-back step listing `lines`; the screen."""
    return term.wait_for_screen(
        lambda s: "Read this back to the caller" in s and all(line in s for line in lines), 15,
        message=f"the read-back with {lines}")


def mine(api: ApiClient, customer: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's tickets that carry our description."""
    return [t for t in api.tickets_of(customer["id"])
            if t["fields"].get("description") == DESCRIPTION + MORE]


def test_order_form_and_wrap_up_typed_in_bursts(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client("agent01")
    term: TmuxSession | None = None
    try:
        with crash_in_failure(tmp_path / "desk.log", lambda: term.capture() if term else "(no pane yet)"):
            customer = api.single_match_customer()
            term = start_desk(terminal, backend, kamailio, tmp_path)
            ring(sipp, kamailio, customer)
            answer_after_pop(term, customer)

            # A wrap-up noted early (F10 on the call): no disposition yet. ctrl+s fails and hands the focus
            # to the disposition at once, so the Enter behind it opens that list (not the transfer reason's).
            term.send_keys("F10")
            term.wait_for_text("Wrap-up:", 10)
            term.send_keys("Tab", "Tab", *keys(TRANSFER), "C-s", "Enter")
            term.wait_for_screen(lambda s: "Wrong number" in s and "Wrap-up:" in s, 10,
                                 message="the disposition list open after the failed save")
            # Escape closes the open list, not the wrap-up; a second Escape asks (something is typed).
            term.send_keys("Escape")
            screen = term.wait_for_screen(lambda s: "Wrong number" not in s and "Wrap-up:" in s, 10,
                                          message="the list closed, the wrap-up still open")
            assert "Choose a disposition." in screen
            assert TRANSFER in screen, "the transfer reason kept what was typed before ctrl+s"
            term.send_keys("Escape")
            term.wait_for_text("Close the wrap-up without saving?", 10)
            term.send_keys("y")
            term.wait_for_screen(lambda s: "Wrap-up:" not in s, 10, message="the early wrap-up closed")

            term.send_keys("F9")
            term.wait_for_text("Enter opens", 10)
            term.send_keys(*["Down"] * api.screen_ids().index("repair"), "Enter")
            term.wait_for_text("Fault type *", 10)

            # Enter opens the fault list, "volt" finds "Voltage problem", Enter takes it, PgDn twice to the
            # contact step (the list's step is gone before the list's late focus moves come: they must not
            # stop the desk), PgDn again with the required description empty (the focus must go to it at
            # once), the description typed behind that, PgDn to the read-back. One read.
            term.send_keys("Enter", *keys("volt"), "Enter", "PageDown", "PageDown", "PageDown",
                           *keys(DESCRIPTION), "PageDown")
            readback(term, "Fault type: Voltage problem", f"Contact name: {customer['name']}",
                     f"Contact phone: {customer['phones'][0]}", f"What the caller describes: {DESCRIPTION}")

            # Back to the contact step; the name heard differs: typed over the prefilled one, Tab, a new
            # phone over the prefilled one, Tab, more words added to the kept description, PgDn. One read.
            term.send_keys("PageUp", *keys(NAME), "Tab", *keys(PHONE), "Tab", *keys(MORE), "PageDown")
            readback(term, f"Contact name: {NAME}", f"Contact phone: {PHONE}",
                     f"What the caller describes: {DESCRIPTION}{MORE}")

            # Escape on the unsent order asks; n keeps the form and ctrl+s behind it submits. One read each.
            term.send_keys("PageDown")
            term.wait_for_text("Press ctrl+s to submit the work order.", 10)
            term.send_keys("Escape")
            term.wait_for_text("Not submitted yet. Leave the work order", 10)
            term.send_keys("n", "C-s")
            term.wait_for_text("Work order queued.", 10)
            tickets = wait_for(lambda: mine(api, customer), 20, interval=0.2,
                               message="the ticket in the backend")
            assert len(tickets) == 1
            ticket = tickets[0]
            assert ticket["fields"]["contact_name"] == NAME
            assert ticket["fields"]["contact_phone"] == PHONE

            # Wrap-up: Enter opens the disposition list, "wro" finds "Wrong number", Enter takes it (the list
            # has the focus at once, and gives it back only while nothing else took it), Tab Tab to the
            # transfer reason, Enter to the notes, the notes, Escape (asks: filled), then n and ctrl+s
            # behind it save.
            term.send_keys("F4")
            term.wait_for_text("Call ended", 10)
            term.send_keys("F10")
            term.wait_for_text("Wrap-up:", 10)
            term.send_keys("Enter", *keys("wro"), "Enter", "Tab", "Tab", *keys(TRANSFER), "Enter",
                           *keys(NOTES), "Escape")
            # (Not "Keep editing" on the screen: a toast, e.g. the desk's "Network changed" on a busy
            # host, can cover the dialog's buttons; n keeping the wrap-up is proven by the save below.)
            term.wait_for_text("Close the wrap-up without saving?", 10)
            term.send_keys("n", "C-s")
            term.wait_for_screen(lambda s: "Wrap-up:" not in s, 10, message="the wrap-up saved and closed")

            def recorded() -> dict[str, Any] | None:
                record: dict[str, Any] = api.get(f"/v1/calls/{ticket['call_id']}")
                return record if record.get("notes") else None

            record = wait_for(recorded, 20, interval=0.2, message="the wrap-up in the call record")
            assert record["notes"] == NOTES
            assert record["transfer_reason"] == TRANSFER
            assert record["disposition"] == "wrong_number"

            # F9 and the keys behind it in one read: F9 opens the list before the App routes the rest (they
            # would go to the desk otherwise), the list takes the Downs and Enter, and the form opened with
            # Enter takes the keys behind that Enter in its first field.
            downs = ["Down"] * api.screen_ids().index("status_query")
            term.send_keys("F9", *downs, "Enter", *keys(ORDER_NUMBER))
            screen = term.wait_for_screen(lambda s: ORDER_NUMBER in s, 10, message="the order number typed")
            assert "Order status query" in screen
            # Something typed: Escape asks; y leaves.
            term.send_keys("Escape")
            term.wait_for_text("Leave this work order?", 10)
            term.send_keys("y")
            term.wait_for_screen(lambda s: "Order status query" not in s, 10, message="back on the desk")

            # Ready, then F2 and the keys behind it in one read: the reason list is there (and has the
            # focus) before the App routes the Downs and Enter, so they pick the third reason, not the first.
            term.send_keys("F2")
            term.wait_for_screen(
                lambda s: "Ready" in status_line(s) and "Not Ready" not in status_line(s), 10,
                message="Ready")
            term.send_keys("F2", "Down", "Down", "Enter")
            term.wait_for_screen(lambda s: "Not Ready (Meeting)" in status_line(s), 10,
                                 message="Not Ready with the reason picked in the burst")
            assert term.quit_desk(20) == 0
    finally:
        api.close()
