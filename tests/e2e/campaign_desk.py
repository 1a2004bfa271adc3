"""A headless desk that works a campaign as an agent at the keyboard would, for the campaign end-to-end
test: the product's own desk (`run_desk`, the same model, dialer and phone as `agent-tui desk`) registered
at the test Kamailio, in progressive mode, driven by Textual's pilot: Ready after login, and Enter on the
outcome panel each time a call to a customer ends (the first outcome, the campaign's `informed`). The
campaign's script opens as each call is placed and closes by itself when the call ends, so the driver
leaves it alone (the customers hang up on their own).

`python -m tests.e2e.campaign_desk --backend URL --user agent01 --extension 1001 --registrar URI
--domain HOST --queue Q --log FILE`; SIP password in `$AGENT_TUI_SIP_PASSWORD`. Stopped by SIGTERM (by pid).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.config import Settings

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo"  # the published password of the seeded demo users


def campaign_pilot() -> Any:
    """Ready after the login; then pick the first outcome whenever the outcome panel is up."""

    async def auto_pilot(pilot: Any) -> None:
        from agent_tui.domain.agent import AgentStateName
        from agent_tui.ui.desk.outbound_outcome import OutboundOutcomeScreen
        from agent_tui.ui.train.autopilot import AutopilotTimeout, wait_for

        desk = pilot.app.get_screen("desk")
        await wait_for(pilot, lambda: desk.logged_in and desk.status.reason is not None, "the login", 60)
        desk.set_state(AgentStateName.READY)
        while True:
            try:
                await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutboundOutcomeScreen),
                               "the outcome panel", 10)
            except AutopilotTimeout:  # nothing to do for a while: say where the desk stands
                log.info("campaign desk: screens %s, dialer %s, state %s", pilot.app.screen_stack,
                         desk.outbound.dialer.phase, desk.status.state)
                continue
            await choose_first(pilot, pilot.app.screen)

    return auto_pilot


async def choose_first(pilot: Any, panel: Any) -> None:
    """Enter on the outcome panel once it can take keys, then wait for it to close."""
    from agent_tui.ui.train.autopilot import AutopilotTimeout, wait_for

    for _attempt in range(10):
        # As an agent reads before pressing: a key sent while the panel still mounts goes nowhere.
        await wait_for(pilot, lambda: pilot.app.screen is panel and panel.focused is not None, "the panel",
                       30)
        await pilot.press("enter")
        try:
            await wait_for(pilot, lambda: panel not in pilot.app.screen_stack, "the outcome chosen", 3)
            return
        except AutopilotTimeout:  # the wrap-up panel came up over it and took the key: press again
            log.info("campaign desk: the outcome panel is still up, pressing Enter again")
    raise AutopilotTimeout("the outcome panel did not take Enter")


def campaign_settings(backend: str, user: str, extension: str, registrar: str, domain: str,
                      queue: str) -> Settings:
    """Progressive outbound with no preview, a wrap-up that ends by itself at once, registered phone."""
    return Settings(
        backend={"url": backend, "username": user},
        sip={"mode": "registrar", "listen": "127.0.0.1:0",
             "accounts": [{"user": extension, "domain": domain, "registrars": [registrar],
                           "health_interval_s": 1.0}]},
        desk={"acw_mode": "timeboxed", "acw_seconds": 0, "auto_ready_after_acw": True,
              "outbound_mode": "progressive", "outbound_preview_s": 0, "outbound_poll_s": 1,
              "outbound_queues": [queue]})


def main(argv: list[str] | None = None) -> int:
    """Run the desk until SIGTERM."""
    from agent_tui.demo.train import _log_to
    from agent_tui.ui.desk.launch import run_desk

    parser = argparse.ArgumentParser(prog="tests.e2e.campaign_desk", description=__doc__)
    for name in ("--backend", "--user", "--extension", "--registrar", "--domain", "--queue"):
        parser.add_argument(name, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    _log_to(args.log)
    settings = campaign_settings(args.backend, args.user, args.extension, args.registrar, args.domain,
                                 args.queue)
    return run_desk(settings, args.user, SecretStr(DEMO_PASSWORD), headless=True, auto_pilot=campaign_pilot())


if __name__ == "__main__":
    sys.exit(main())
