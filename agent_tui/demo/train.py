"""`agent-tui demo train`: the backend, the trainer's console and a trainee desk on one machine.

What runs:
- the reference backend with demo data (background, log in the demo folder);
- a trainee desk logged in as `agent02` in training status, listening for SIP on loopback:
  - inside tmux (`$TMUX` set): the real interactive desk, in a new pane below, so you can take the call
    yourself (switch panes with the tmux prefix key); it enters training status after the login, so the
    console lists it at once (`python -m agent_tui.demo.train --interactive`);
  - in a plain terminal: a scripted trainee, a headless desk driven by `agent_tui.ui.train.autopilot`
    (answers, fills the order, reads back; every second call it skips the read-back so the score card
    has something to say), as a background process logging to `trainee.log`;
- in the foreground, the trainer's console logged in as `trainer01`: F2 launches a scenario to the
  trainee, the simulated caller (a child process here) rings the trainee's desk, and the console shows
  the step reached, the fields filled, the caller's lines and finally the score.
`AGENT_TUI_DEMO_TRAINEE=script|tmux` forces one kind of trainee desk. ctrl+q quits the console and
stops everything the demo started (by pid; the tmux pane by its id).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui import paths
from agent_tui.config import Settings

TRAINER = "trainer01"
TRAINEE = "agent02"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users

TRAINEE_ENV = "AGENT_TUI_DEMO_TRAINEE"
"""`script` or `tmux` forces the kind of trainee desk; default: tmux when running inside tmux."""

log = logging.getLogger(__name__)


def _log_to(path: Path) -> None:
    """Logs to a file: anything on the terminal would tear the console's screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def run(progress: Callable[[str], None]) -> int:
    """Start the demo, run the console in the foreground, stop everything when it quits."""
    from agent_tui.demo.stack import DemoStack, free_port
    from agent_tui.training.caller_process import ProcessLauncher, caller_ring_limit
    from agent_tui.ui.train.launch import run_console

    folder = paths.state_dir() / "demo-train"
    sip_port = free_port()
    pane: str | None = None
    try:
        with DemoStack(folder, progress) as stack:
            backend = stack.start_backend(free_port())
            wanted = os.environ.get(TRAINEE_ENV, "auto")
            if wanted == "tmux" or (wanted == "auto" and os.environ.get("TMUX") and shutil.which("tmux")):
                pane = _trainee_pane(folder, backend, sip_port)
                progress(f"trainee desk ({TRAINEE}) in the tmux pane below, in training status once "
                         "logged in; ctrl+t there practises alone")
            else:
                stack.spawn("trainee", [sys.executable, "-m", "agent_tui.demo.train", "--backend", backend,
                                        "--sip-port", str(sip_port),
                                        "--log", str(folder / "trainee-desk.log")])
                progress(f"scripted trainee ({TRAINEE}) started in the background; log: {folder}/trainee.log")
            progress(f"console logged in as {TRAINER}: F2 launches a scenario, F4 hint, F5 take over, "
                     "F8 results, ctrl+q quits")
            _log_to(folder / "console.log")
            settings = Settings(backend={"url": backend, "username": TRAINER})
            callers = ProcessLauncher(log_dir=folder,
                                      ring_timeout_s=caller_ring_limit(settings.desk.ring_timeout_s))
            return run_console(settings, TRAINER, SecretStr(DEMO_PASSWORD), launcher=callers)
    except RuntimeError as exc:
        progress(str(exc))
        return 1
    finally:
        if pane is not None:
            subprocess.run(["tmux", "kill-pane", "-t", pane], check=False,  # noqa: S603, S607 - our pane id
                           capture_output=True)


def trainee_pane_command(folder: Path, backend: str, sip_port: int) -> str:
    """The shell command of the interactive trainee desk in the tmux pane: the desk a person sits at,
    which enters training status once logged in (a plain desk starts Not Ready, "other", and the console
    waits for trainees in training status)."""
    return (f"{shlex.quote(sys.executable)} -m agent_tui.demo.train --interactive --backend {backend} "
            f"--sip-port {sip_port} --log {shlex.quote(str(folder / 'trainee-desk.log'))}")


def _trainee_pane(folder: Path, backend: str, sip_port: int) -> str:
    done = subprocess.run(  # noqa: S603 - tmux from PATH with our own command line
        ["tmux", "split-window", "-v", "-d", "-P", "-F", "#{pane_id}",  # noqa: S607
         trainee_pane_command(folder, backend, sip_port)],
        check=True, capture_output=True, text=True,
    )
    return done.stdout.strip()


# --- the scripted trainee process --------------------------------------------------------------------


async def enter_training(pilot: Any) -> Any:
    """Wait for the desk's login, then set training status (Not Ready, `training`); the desk screen."""
    from agent_tui.domain.agent import AgentStateName
    from agent_tui.domain.training import TRAINING_REASON
    from agent_tui.ui.train.autopilot import wait_for

    desk = pilot.app.get_screen("desk")
    # After login the desk sets its first state (Not Ready, "other"); training status comes after it.
    await wait_for(pilot, lambda: desk.logged_in and desk.status.reason is not None, "the login", 60)
    desk.set_state(AgentStateName.NOT_READY, TRAINING_REASON)
    return desk


def scripted_trainee(skip_every: int = 2, think_s: float = 1.5, calls: int | None = None) -> Any:
    """The auto-pilot of a headless trainee desk: training status, then take every training call.

    Every `skip_every`-th call skips the read-back (0: never); `think_s` is the pause on each step.
    """

    async def auto_pilot(pilot: Any) -> None:
        from agent_tui.desk.calls import SCENARIO_HEADER
        from agent_tui.ui.train.autopilot import AutopilotTimeout, play_call, wait_for

        app = pilot.app
        desk = await enter_training(pilot)
        played = 0
        while calls is None or played < calls:
            try:
                await wait_for(pilot, lambda: desk.ringing is not None, "a training call", 3600)
            except AutopilotTimeout:
                continue
            session = desk.ringing
            scenario_id = session.headers.get(SCENARIO_HEADER, "") if session is not None else ""
            if not scenario_id:
                await asyncio.sleep(1)
                continue
            played += 1
            skip = bool(skip_every) and played % skip_every == 0
            scored = len(desk.training.cards)
            try:
                scenario = await desk.training.scenario(scenario_id)
                await play_call(pilot, scenario, skip_readback=skip, think_s=think_s)
                # The caller says goodbye and hangs up; then the card is made and stored.
                await wait_for(pilot, _more_cards(desk, scored), "the score card", 120)
            except Exception:  # one failed call must not end the demo trainee
                log.exception("scripted trainee: call %d failed", played)
        await wait_for(pilot, lambda: desk.training.stored >= played or desk.training.api is None,
                       "the results stored", 30)
        app.exit(0)

    return auto_pilot


def _more_cards(desk: Any, count: int) -> Callable[[], bool]:
    return lambda: len(desk.training.cards) > count


def main(argv: list[str] | None = None) -> int:
    """`python -m agent_tui.demo.train --backend URL --sip-port N`: the scripted trainee desk."""
    from agent_tui.ui.desk.launch import run_desk

    parser = argparse.ArgumentParser(prog="agent_tui.demo.train", description=scripted_trainee.__doc__)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--user", default=TRAINEE)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--skip-every", type=int, default=2,
                        help="skip the read-back every Nth call (0: never)")
    parser.add_argument("--think", type=float, default=1.5, help="seconds on each step")
    parser.add_argument("--calls", type=int, default=None, help="stop after this many calls")
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--interactive", action="store_true",
                        help="a desk for a person (the tmux pane): only enter training status after login")
    args = parser.parse_args(argv)
    if args.log is not None:
        _log_to(args.log)
    # Recorded, so the trainer's review (F8, Enter) has the call's recording to play or export.
    settings = Settings(backend={"url": args.backend, "username": args.user},
                        sip={"mode": "listen", "listen": f"127.0.0.1:{args.sip_port}"},
                        recording={"enabled": True})
    pilot = enter_training if args.interactive else scripted_trainee(args.skip_every, args.think, args.calls)
    return run_desk(settings, args.user, SecretStr(args.password), listen=("127.0.0.1", args.sip_port),
                    headless=not args.interactive, auto_pilot=pilot)


if __name__ == "__main__":
    sys.exit(main())
