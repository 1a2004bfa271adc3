"""The registrar (Kamailio) SIGKILLed and restarted mid-shift, with the real desk in an 80x24 tmux pane.

The agent is Ready. Within 10 s of the registrar dying the status bar says "SIP down!" and the agent
is Not Ready (Phone offline), on screen and in the backend's agent state (REST). Once Kamailio is
back on the same port the desk registers again, is Ready again (screen and REST), and a call through
the restarted registrar rings with the customer's name on the banner.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import (
    AGENT,
    answer_after_pop,
    hang_up_and_quit,
    ring,
    start_desk,
    status_line,
)
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = pytest.mark.peers

SHOWN_WITHIN_S = 10.0


def backend_state(api: ApiClient) -> tuple[str, str | None]:
    """The agent's state and reason as the backend has them."""
    agent: dict[str, Any] = api.get(f"/v1/agents/{AGENT}/state")  # an Agent, its state inside
    state: dict[str, Any] = agent["state"]
    return str(state["state"]), state.get("reason")


def wait_backend_state(api: ApiClient, expected: tuple[str, str | None], timeout: float = 10.0) -> None:
    """Wait until the backend has the agent in `expected` (state, reason); the last seen on timeout."""
    seen: list[tuple[str, str | None]] = []

    def check() -> bool:
        seen.append(backend_state(api))
        return seen[-1] == expected

    try:
        wait_for(check, timeout, interval=0.1, message=f"the backend to have the agent {expected}")
    except WaitTimeout as error:
        raise WaitTimeout(f"{error}; last seen {seen[-1] if seen else None}") from None


def test_registrar_killed_and_restarted_sets_phone_offline_and_back(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        customer = api.single_match_customer()
        term = start_desk(terminal, backend, kamailio, tmp_path)
        term.send_keys("r")
        term.wait_for_screen(lambda s: "● Ready" in status_line(s), 10, message="the agent Ready")
        wait_backend_state(api, ("ready", None))

        kamailio.kill()
        killed_at = time.monotonic()
        screen = term.wait_for_screen(
            lambda s: "SIP down!" in status_line(s) and "Not Ready (Phone offline)" in status_line(s),
            SHOWN_WITHIN_S, message="the desk showing the dead registrar and Not Ready (Phone offline)")
        shown_after = time.monotonic() - killed_at
        assert shown_after <= SHOWN_WITHIN_S, screen
        wait_backend_state(api, ("not_ready", "phone_offline"))
        # Ready is refused while the phone is offline.
        term.send_keys("r")
        term.wait_for_text("The phone is offline; you stay Not Ready.", 5)

        kamailio.start()
        term.wait_for_screen(lambda s: "SIP ok" in status_line(s) and "● Ready" in status_line(s), 30,
                             message="the desk registered and Ready again")
        wait_backend_state(api, ("ready", None))

        call = ring(sipp, kamailio, customer)
        answer_after_pop(term, customer)
        hang_up_and_quit(term, call)
    finally:
        api.close()
