"""After-call work in a real 80x24 terminal (issue 11, finding 3): time-boxed ACW runs out with the
wrap-up panel open. The panel closes by itself, what the agent chose is in the backend's call record
(the customer's last case shows it), the desk goes Ready, and the next call rings in plain view.

Real parts: the reference backend (subprocess), Kamailio, SIPp calling as seeded customers, and
`agent-tui desk` in tmux (helpers from test_desk_repair_order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import DEMO_PASSWORD, ApiClient, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import (
    AGENT,
    EXTENSION,
    answer_after_pop,
    banner,
    choose_in_list,
    launch_desk,
    ring,
    status_line,
    write_config,
)
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

ACW_SECONDS = 6


def last_case(api: ApiClient, customer: dict[str, Any]) -> dict[str, Any] | None:
    """The customer's last contact as the screen pop shows it."""
    matches = api.get("/v1/customers/lookup", phone=customer["phones"][0])["matches"]
    mine = [m for m in matches if m["customer"]["id"] == customer["id"]]
    case: dict[str, Any] | None = mine[0]["last_case"] if mine else None
    return case


def test_acw_running_out_with_the_wrap_up_open_keeps_it_and_the_next_ring_shows(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        first = api.single_match_customer()
        second = api.single_match_customer(skip_names={first["name"]})
        config = write_config(tmp_path / "desk.toml", backend, kamailio, acw_mode="timeboxed")
        text = config.read_text(encoding="utf-8").replace(
            'acw_mode = "timeboxed"', f'acw_mode = "timeboxed"\nacw_seconds = {ACW_SECONDS}')
        config.write_text(text, encoding="utf-8")
        term = terminal(80, 24)
        launch_desk(term, config, DEMO_PASSWORD, kamailio.password(EXTENSION), 30)
        term.send_keys("F2")
        term.wait_for_screen(lambda s: "Ready" in status_line(s), 10, message="Ready")

        call = ring(sipp, kamailio, first)
        answer_after_pop(term, first)
        term.send_keys("F4")
        term.wait_for_text("Wrap-up:", 10)
        choose_in_list(term, "Wrong number", "inf", "Information given", "the disposition")
        # Time runs out with the panel open: it closes by itself, and the desk is Ready again.
        term.wait_for_screen(lambda s: "Wrap-up:" not in s and "Ready" in status_line(s), ACW_SECONDS + 10,
                             message="the wrap-up saved and the panel closed when the time ran out")
        call.wait(15)
        wait_for(lambda: (last_case(api, first) or {}).get("outcome") == "information", 15, interval=0.2,
                 message="the disposition in the backend's record of the call")
        case = last_case(api, first)
        assert case is not None
        assert case["agent"] == AGENT

        second_call = ring(sipp, kamailio, second)
        screen = term.wait_for_screen(lambda s: second["name"] in banner(s), 15,
                                      message="the next call ringing in view")
        assert "Wrap-up:" not in screen
        term.send_keys("F3")
        term.wait_for_text(f"On call {second['phones'][0]}", 10)
        term.send_keys("F4")
        term.wait_for_text("Wrap-up:", 10)
        second_call.wait(15)
        assert term.quit_desk(20) == 0  # the wrap-up is still open: the desk may ask first
    finally:
        api.close()
