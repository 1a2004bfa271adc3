"""A colleague's desk for `agent-tui demo`: agent02 (extension 1002), so the demo desk can transfer, consult,
conference and call someone with no PBX.

A real desk (the same code as `agent-tui desk`), headless, listening for SIP on loopback with no
registrar: once its phone is up it announces its address in the backend's desk directory
(`agent_tui.sync.directory`), which is how the demo desk's `1002` finds it. It goes Ready, answers each
call after `--answer-after` seconds (a negative value: lets it ring), records its calls, and returns to
Ready after a short wrap-up, as a colleague at the next desk would.
`python -m agent_tui.demo.colleague --backend URL --sip-port N [--user agent02]`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.config import Settings

COLLEAGUE = "agent02"
COLLEAGUE_EXTENSION = "1002"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
WRAP_UP_S = 5

log = logging.getLogger(__name__)


def colleague_pilot(answer_after_s: float) -> Any:
    """The colleague's auto-pilot: Ready after login, then answer every call after `answer_after_s`."""

    async def auto_pilot(pilot: Any) -> None:
        from agent_tui.domain.agent import AgentStateName
        from agent_tui.ui.train.autopilot import AutopilotTimeout, wait_for

        desk = pilot.app.get_screen("desk")
        await wait_for(pilot, lambda: desk.logged_in and desk.status.reason is not None, "the login", 60)
        desk.set_state(AgentStateName.READY)
        while True:
            try:
                await wait_for(pilot, lambda: desk.ringing is not None, "a call", 3600)
            except AutopilotTimeout:
                continue
            call_id = desk.ringing_id
            if answer_after_s < 0:
                await wait_for(pilot, _moved_on(desk, call_id), "the call to stop ringing", 3600)
                continue
            await pilot.pause(answer_after_s)  # a person takes a moment to pick up
            if desk.ringing_id == call_id:
                desk.action_answer()
            await wait_for(pilot, _moved_on(desk, call_id), "the call answered or gone", 60)

    return auto_pilot


def _moved_on(desk: Any, call_id: str | None) -> Any:
    return lambda: desk.ringing_id != call_id


def colleague_settings(backend: str, sip_port: int, username: str = COLLEAGUE) -> Settings:
    """The colleague desk's settings: listen mode on loopback, recorded calls, a short wrap-up."""
    return Settings(backend={"url": backend, "username": username},
                    sip={"mode": "listen", "listen": f"127.0.0.1:{sip_port}"},
                    recording={"enabled": True},
                    desk={"acw_mode": "timeboxed", "acw_seconds": WRAP_UP_S, "auto_ready_after_acw": True})


def main(argv: list[str] | None = None) -> int:
    """Run the colleague's desk until it is stopped (SIGTERM from the demo)."""
    from agent_tui.demo.train import _log_to
    from agent_tui.ui.desk.launch import run_desk

    parser = argparse.ArgumentParser(prog="agent_tui.demo.colleague", description=__doc__)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--user", default=COLLEAGUE)
    parser.add_argument("--answer-after", type=float, default=3.0,
                        help="seconds before answering a call (negative: never answer)")
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.log is not None:
        _log_to(args.log)
    settings = colleague_settings(args.backend, args.sip_port, args.user)
    return run_desk(settings, args.user, SecretStr(DEMO_PASSWORD), listen=("127.0.0.1", args.sip_port),
                    headless=True, auto_pilot=colleague_pilot(args.answer_after))


if __name__ == "__main__":
    sys.exit(main())
