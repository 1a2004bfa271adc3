"""`agent-tui demo [desk|train]`: backend with demo data, the desk logged in as agent01, a caller, a
simulated repair centre moving the repair orders the desk files (`agent_tui.demo.repair_centre`), and a
colleague's desk (agent02, extension 1002: `agent_tui.demo.colleague`) to transfer, consult or conference
to with no PBX. Both desks record their calls (the monitor's recordings, QA and model calls use them).

`demo train` (see `agent_tui.demo.train`): the backend, the trainer's console and a trainee desk.
"""

from __future__ import annotations

import argparse
import socket
import sys

from pydantic import SecretStr

from agent_tui import paths
from agent_tui.config import ConfigError, Settings, check_environment
from agent_tui.demo.stack import DemoStack, free_port
from agent_tui.demo.voicemails import leave_voicemails

DEMO_AGENT = "agent01"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
CALL_INTERVAL_S = 6.0


def _progress(text: str) -> None:
    print(f"agent-tui demo: {text}", file=sys.stderr, flush=True)


def desk_settings(backend: str, sip_port: int, survey_uri: str = "") -> Settings:
    """The demo desk's settings: listen mode on loopback (no PBX), calls recorded and uploaded, callers
    sent to the keypad survey at `survey_uri`."""
    return Settings(backend={"url": backend, "username": DEMO_AGENT},
                    sip={"mode": "listen", "listen": f"127.0.0.1:{sip_port}"},
                    recording={"enabled": True}, desk={"survey_uri": survey_uri})


def run(args: argparse.Namespace) -> int:
    """Start the demo stack, run the desk in the foreground, stop everything when it quits."""
    try:
        check_environment()  # before any child starts: one clean line, as `agent-tui desk` prints
    except ConfigError as error:
        print(f"agent-tui: {error}", file=sys.stderr)
        return 2
    if args.mode == "train":
        from agent_tui.demo.train import run as run_train

        return run_train(_progress)
    if args.mode == "monitor":
        from agent_tui.demo.monitor import run as run_monitor_demo

        return run_monitor_demo(args)
    if args.mode != "desk":
        _progress(f"`demo {args.mode}` is not built yet; `agent-tui demo desk` is")
        return 2
    from agent_tui.ui.desk.launch import run_desk

    folder = paths.state_dir() / "demo"
    sip_port = free_port()
    try:
        with DemoStack(folder, _progress) as stack:
            backend = stack.start_backend(free_port())
            stack.start_caller(backend, f"sip:{DEMO_AGENT}@127.0.0.1:{sip_port}", CALL_INTERVAL_S)
            stack.start_repair_centre(backend)
            stack.start_colleague(backend, free_port())
            survey = stack.start_survey(backend, free_port(socket.SOCK_DGRAM))
            leave_voicemails(backend, _progress)
            settings = desk_settings(backend, sip_port, survey)
            _progress(f"desk logged in as {DEMO_AGENT}; ctrl+q quits")
            return run_desk(settings, DEMO_AGENT, SecretStr(DEMO_PASSWORD), listen=("127.0.0.1", sip_port))
    except RuntimeError as exc:
        _progress(str(exc))
        return 1
