"""`agent-tui demo [desk|train]`: backend with demo data, the desk logged in as agent01, a caller, and
a simulated repair centre moving the repair orders the desk files (`agent_tui.demo.repair_centre`).

`demo train` (see `agent_tui.demo.train`): the backend, the trainer's console and a trainee desk.
"""

from __future__ import annotations

import argparse
import socket
import sys

from pydantic import SecretStr

from agent_tui import paths
from agent_tui.config import Settings
from agent_tui.demo.stack import DemoStack, free_port
from agent_tui.demo.voicemails import leave_voicemails

DEMO_AGENT = "agent01"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
CALL_INTERVAL_S = 6.0


def _progress(text: str) -> None:
    print(f"agent-tui demo: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Start the demo stack, run the desk in the foreground, stop everything when it quits."""
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
            survey = stack.start_survey(backend, free_port(socket.SOCK_DGRAM))
            leave_voicemails(backend, _progress)
            settings = Settings(
                backend={"url": backend, "username": DEMO_AGENT},
                sip={"mode": "listen", "listen": f"127.0.0.1:{sip_port}"},
                desk={"survey_uri": survey},
            )
            _progress(f"desk logged in as {DEMO_AGENT}; ctrl+q quits")
            return run_desk(settings, DEMO_AGENT, SecretStr(DEMO_PASSWORD), listen=("127.0.0.1", sip_port))
    except RuntimeError as exc:
        _progress(str(exc))
        return 1
