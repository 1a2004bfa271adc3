"""`agent-tui demo monitor`: a live floor on loopback for the supervisor's wallboard.

- the reference backend with the demo data;
- ten ghost agents (agent01…agent10), each `agent-tui bot --backend` (`agent_tui.ghost`) on its own
  loopback port (`python -m agent_tui.demo.monitor ghost`): it logs in as its agent, takes its monitor
  key from `/v1/phone-config` (so a supervisor's listen/whisper/barge call is answered silently),
  reports Ready, Ringing, On call and Wrap-up, posts a call record after each call, and carries out
  the supervisor's commands by the desk's rules, acknowledging each with its outcome (applied,
  applied after the call, or refused with why), which the wallboard shows. It plays a tone into its
  calls, so whoever listens in hears the agent side;
- a caller generator (`python -m agent_tui.demo.monitor callers`) acting as the PBX queue: callers
  arrive at random, wait in one of the demo queues (`POST /v1/queue-events` enqueued / answered /
  abandoned), are put through to a Ready ghost with the IVR headers, talk a while and hang up;
- the wallboard in the foreground, logged in as sup01 with its own phone, able to listen in.

Every process is started in its own session and ended by its pid (group) when the demo ends.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import queue
import random
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

log = logging.getLogger("agent_tui.demo.monitor")

GHOSTS = tuple(f"agent{i:02d}" for i in range(1, 11))
SUPERVISOR = "sup01"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
DEMO_QUEUES = ("95598-repair", "95598-billing", "95598-service")
CALL_ID_HEADER = "X-Call-Id"


def _now() -> datetime:
    return datetime.now(UTC)


def _login(client: httpx.Client, username: str) -> None:
    answer = client.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"


# ---- a ghost agent ------------------------------------------------------------------------------


def ghost_argv(backend: str, agent: str, port: int, rng: random.Random) -> list[str]:
    """`agent-tui bot --backend` arguments of one demo ghost: its own answer delay and voice."""
    return ["bot", "--backend", backend, "--user", agent, "--listen", f"127.0.0.1:{port}",
            "--answer-after", f"{rng.uniform(1.0, 3.0):.1f}", "--tone", str(300.0 + 20 * (port % 10))]


def run_ghost(backend: str, agent: str, port: int) -> int:
    """One demo ghost: `agent-tui bot --backend` (`agent_tui.ghost`), the same agent logic as every ghost.

    It obeys the supervisor's commands by the desk's rules and acknowledges each with its outcome.
    """
    from agent_tui.cli import main as cli_main
    from agent_tui.ghost.run import PASSWORD_ENV

    os.environ[PASSWORD_ENV] = DEMO_PASSWORD  # this process only: the published demo password
    rng = random.Random(agent)  # noqa: S311 - a demo, not security
    return cli_main(ghost_argv(backend, agent, port, rng))


# ---- the caller generator (the PBX queue) --------------------------------------------------------


@dataclass
class Caller:
    """One caller in the queue or on a call."""

    call_id: str
    queue: str
    customer: Any
    arrived: float
    patience_s: float
    engine_call: str | None = None
    agent: str | None = None
    answered: bool = False
    tried: set[str] = field(default_factory=set)


class CallerGenerator:
    """Callers arrive, queue, are put through to Ready ghosts or give up; queue events tell the backend."""

    def __init__(self, backend: str, targets: dict[str, str], rng: random.Random, *, mean_gap_s: float = 4.0,
                 max_callers: int = 8) -> None:
        from agent_tui.demo.caller import fetch_customers

        self.http = httpx.Client(base_url=backend, timeout=10.0)
        _login(self.http, SUPERVISOR)
        self.targets = targets
        self.rng = rng
        self.mean_gap_s = mean_gap_s
        self.max_callers = max_callers
        self.customers = fetch_customers(backend, "agent20", DEMO_PASSWORD)
        self.callers: list[Caller] = []
        self.events: queue.Queue[Any] = queue.Queue()
        self.engine: Any = None
        self.hangups: list[tuple[float, str]] = []

    def queue_event(self, caller: Caller, kind: str, agent: str | None = None) -> None:
        """`POST /v1/queue-events` for one caller."""
        event = {"event_id": f"{caller.call_id}:{kind}", "kind": kind, "call_id": caller.call_id,
                 "queue": caller.queue, "at": _now().isoformat(), "number": caller.customer.phone,
                 "agent": agent, "customer_id": caller.customer.id}
        try:
            self.http.post("/v1/queue-events", json={"events": [event]}).raise_for_status()
        except httpx.HTTPError as error:
            log.warning("queue event %s not posted: %s", kind, error)

    def ready_agents(self) -> list[str]:
        """Ghosts the backend says are Ready."""
        try:
            page = self.http.get("/v1/agents", params={"state": "ready", "limit": 100}).json()
        except (httpx.HTTPError, ValueError):
            return []
        return [a["username"] for a in page.get("items", []) if a["username"] in self.targets]

    def arrive(self) -> None:
        """A new caller enters a queue."""
        caller = Caller(call_id=f"demo-{uuid.uuid4().hex[:12]}", queue=self.rng.choice(DEMO_QUEUES),
                        customer=self.rng.choice(self.customers), arrived=time.monotonic(),
                        patience_s=self.rng.uniform(15.0, 70.0))
        self.callers.append(caller)
        self.queue_event(caller, "enqueued")

    def dispatch(self) -> None:
        """Put waiting callers through to free Ready ghosts; give up the impatient ones."""
        now = time.monotonic()
        waiting = [c for c in self.callers if c.engine_call is None]
        for caller in [c for c in waiting if now - c.arrived > c.patience_s]:
            self.callers.remove(caller)
            self.queue_event(caller, "abandoned")
        waiting = [c for c in self.callers if c.engine_call is None]
        if not waiting:
            return
        busy = {c.agent for c in self.callers if c.engine_call is not None}
        free = [a for a in self.ready_agents() if a not in busy]
        self.rng.shuffle(free)
        for caller, agent in zip(waiting, free, strict=False):
            from agent_tui.demo.caller import headers_for

            headers = {**headers_for(caller.customer, self.rng), "X-Queue": caller.queue,
                       CALL_ID_HEADER: caller.call_id}
            caller.agent = agent
            caller.engine_call = self.engine.make_call(self.targets[agent], headers)

    def handle(self, event: Any) -> None:
        """Calls answered or ended."""
        from agent_tui.phone.events import CallEnded, CallState

        caller = next((c for c in self.callers if c.engine_call == getattr(event, "call_id", None)), None)
        if caller is None:
            return
        if isinstance(event, CallState) and event.state == "confirmed" and not caller.answered:
            caller.answered = True
            self.queue_event(caller, "answered", caller.agent)
            self.hangups.append((time.monotonic() + self.rng.uniform(20.0, 75.0), caller.engine_call or ""))
        elif isinstance(event, CallEnded):
            if caller.answered:
                self.callers.remove(caller)
            else:  # the ghost was busy after all: back to waiting
                caller.engine_call, caller.agent = None, None

    def leave_queue(self) -> None:
        """The generator stops: callers not yet put through hang up (abandoned), so the backend does not
        count them as waiting for hours (the next demo's wallboard showed them waiting)."""
        for caller in [c for c in self.callers if not c.answered]:
            self.callers.remove(caller)
            self.queue_event(caller, "abandoned")

    def run(self, stop: threading.Event) -> None:
        """Until stopped."""
        from agent_tui.phone.engine import PhoneEngine
        from agent_tui.phone.options import EngineOptions

        self.engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0), max_calls=16))
        self.engine.set_listener(self.events.put)
        self.engine.start()
        self.engine.play_tone(440.0)
        next_arrival = time.monotonic() + 1.0
        next_dispatch = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_arrival:
                    if len(self.callers) < self.max_callers:
                        self.arrive()
                    next_arrival = now + self.rng.expovariate(1.0 / self.mean_gap_s)
                if now >= next_dispatch:
                    self.dispatch()
                    next_dispatch = now + 0.5
                for due, call_id in [h for h in self.hangups if h[0] <= now]:
                    self.hangups.remove((due, call_id))
                    with contextlib.suppress(Exception):
                        self.engine.hangup(call_id)
                try:
                    self.handle(self.events.get(timeout=0.1))
                except queue.Empty:
                    continue
        finally:
            self.leave_queue()
            self.engine.stop()
            self.http.close()


# ---- entry points -----------------------------------------------------------------------------


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def main(argv: list[str] | None = None) -> int:
    """`python -m agent_tui.demo.monitor ghost|callers ...`."""
    parser = argparse.ArgumentParser(prog="agent_tui.demo.monitor")
    sub = parser.add_subparsers(dest="role", required=True)
    ghost = sub.add_parser("ghost", help="one ghost agent")
    ghost.add_argument("--backend", required=True)
    ghost.add_argument("--agent", required=True)
    ghost.add_argument("--port", type=int, required=True)
    callers = sub.add_parser("callers", help="the caller generator")
    callers.add_argument("--backend", required=True)
    callers.add_argument("--target", action="append", default=[], metavar="AGENT=URI")
    callers.add_argument("--gap", type=float, default=4.0, help="mean seconds between arrivals")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stop = _stop_on_signals()
    if args.role == "ghost":
        return run_ghost(args.backend, args.agent, args.port)
    targets = dict(pair.split("=", 1) for pair in args.target)
    CallerGenerator(args.backend, targets, random.Random(95598), mean_gap_s=args.gap).run(stop)  # noqa: S311
    return 0


def directory(ports: dict[str, int]) -> dict[str, str]:
    """Ghost username → SIP URI on loopback."""
    return {agent: f"sip:{agent}@127.0.0.1:{port}" for agent, port in ports.items()}


def run(args: argparse.Namespace) -> int:
    """Start the floor, run the wallboard in the foreground, stop everything when it quits."""
    import socket

    from agent_tui import paths
    from agent_tui.config import Settings
    from agent_tui.demo.stack import DemoStack, free_port
    from agent_tui.ui.monitor.launch import run_monitor

    def progress(text: str) -> None:
        print(f"agent-tui demo monitor: {text}", file=sys.stderr, flush=True)

    folder = paths.state_dir() / "demo-monitor"
    try:
        with DemoStack(folder, progress) as stack:
            backend = stack.start_backend(free_port())
            ports = {agent: free_port(socket.SOCK_DGRAM) for agent in GHOSTS}
            progress(f"starting {len(GHOSTS)} ghost agents ...")
            for agent, port in ports.items():
                stack.spawn(f"ghost-{agent}", [sys.executable, "-m", "agent_tui.demo.monitor", "ghost",
                                               "--backend", backend, "--agent", agent, "--port", str(port)])
            targets = directory(ports)
            progress("starting the caller generator (queue traffic) ...")
            argv = [sys.executable, "-m", "agent_tui.demo.monitor", "callers", "--backend", backend,
                    *[f"--target={a}={uri}" for a, uri in targets.items()]]
            stack.spawn("callers", argv)
            stack.start_repair_centre(backend)
            sup_port = free_port(socket.SOCK_DGRAM)
            settings = Settings(backend={"url": backend, "username": SUPERVISOR},
                                sip={"mode": "listen", "listen": f"127.0.0.1:{sup_port}"})
            progress("wallboard logged in as sup01; select an agent on a call and press f2 to listen; "
                     "ctrl+q quits")
            password = SecretStr(os.environ.get("AGENT_TUI_DEMO_PASSWORD", DEMO_PASSWORD))
            return run_monitor(settings, SUPERVISOR, password, listen=("127.0.0.1", sup_port),
                               sip_directory=targets)
    except RuntimeError as exc:
        progress(str(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())
