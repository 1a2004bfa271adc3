"""The wallboard under load: 5,000 agents, 1,000 state changes a second, through the real backend's SSE.

The reference backend runs with the demo data plus `--agents` extra agents (`a0001`…, made in the
database before it starts); the real wallboard (`agent-tui monitor`, logged in as sup01) runs in a
pseudo-terminal of 120x40. A feed driver (this process) writes what the backend records for each
state change straight into the backend's event table, as a second writer of the same SQLite file: an
`agent_state` event per change and, every `wallboard_interval_s` (0.25 s), one `agent_rows` event with
the touched agents' rows, as the backend's wallboard publisher does. The backend's event reader finds
them (its `event_poll_s` is 50 ms here) and streams them to the wallboard over SSE. The write path
(`PUT /v1/agents/{id}/state`) is left out on purpose: one server process carries ~340 of those a
second today (bench/backend.py measures it), and this benchmark measures the wallboard, not the
write path. Tracer agents on screen (`a0001`…`a0012`) change to a distinctive state every half second.

Figures:
- event → painted p95: the wallboard's own measure, from the moment a change reached it (SSE event
  applied) until the repaint with it was written to the terminal (its "wallboard paint" log lines).
  Target <= 500 ms.
- change → on screen p95 (tracers): from the event being committed until the terminal shows it,
  through the backend's poll, SSE, the wallboard and the terminal; shown without a target.
- CPU of the wallboard process over the window (share of one core). Target <= 60%. On a shared machine
  a starved process shows little CPU and long latencies, so the CPU per 1,000 events painted is given
  too: the work itself, about the same however busy the machine is.
- streams cut: a wallboard that reads too slowly is told by the backend to reconnect (~2,500 events
  behind); it goes stale, takes a new snapshot and misses the changes in between. Target 0.
- bytes written to the terminal per second over the window. Target <= 50 KB/s.
- key → painted p95 while under load: ctrl+o (next sort order), pgdn/pgup (scrolling) and a team
  filter typed into ctrl+f's dialog, each until the screen shows its result. Target <= 250 ms.

On a shared machine these latencies follow the CPU share the wallboard gets; bench/wallboard_keys.py
measures the same keys and events in process as CPU time, which the load changes little.

    .venv/bin/python -m bench.wallboard [--seconds S] [--rate N] [--agents N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench._desk_harness import PtyDesk, install_sigterm_exit, percentile, wait_until
from bench.report import Figure, emit

AGENTS = 1000
"""Agents the other benchmarks make (bench/agent_state_rate.py, bench/event_streams.py)."""
BOARD_AGENTS = 5000
"""Agents on this benchmark's wallboard."""
TRACERS = 12
RATE = 1000.0
COLUMNS, ROWS = 120, 40
TARGET_P95_MS = 500.0
TARGET_KEY_MS = 250.0
TARGET_CPU = 0.60
TARGET_KBPS = 50.0
ROWS_INTERVAL_S = 0.25
"""How often the driver records an `agent_rows` event (the backend's `wallboard_interval_s`)."""
PAINT_LINE = re.compile(r"^(\S+ \S+) INFO agent_tui\.ui\.monitor\.wallboard: wallboard paint: .*; "
                        r"event ms: ([0-9,]+)$", re.MULTILINE)
STATES = (("ready", None), ("not_ready", "break"), ("on_call", None), ("acw", None), ("ringing", None))
TRACER_STATES = (("not_ready", "meeting", "Meeting"), ("not_ready", "training", "Training"))


def prepare_database(folder: Path, url: str | None = None, agents: int = AGENTS) -> dict[str, str]:
    """The demo data plus `agents` agents in `folder/demo.db` (what `DemoStack.start_backend` serves),
    or in the database at `url`; each agent's login token (bench/agent_state_rate.py and
    bench/event_streams.py use them; this benchmark does not).

    Each agent gets a login token made here (1,000 logins would cost minutes of scrypt): agents then
    set their own states, as desks do.
    """
    from agent_tui.domain.base import utc_now
    from agent_tui.domain.session import Role
    from agent_tui.server.app import prepare
    from agent_tui.server.cli import default_screens_dir
    from agent_tui.server.db import Database
    from agent_tui.server.models import TokenRow
    from agent_tui.server.security import hash_password, new_token, token_hash
    from agent_tui.server.settings import ServerSettings
    from agent_tui.server.users import add_user

    url = url or f"sqlite:///{folder / 'demo.db'}"
    db = Database(url)
    try:
        prepare(db, ServerSettings.from_url(url, seed="demo", screens_dir=default_screens_dir()))
        shared = hash_password("demo")
        tokens: dict[str, str] = {}
        now = utc_now()
        with db.write() as session:
            for i in range(1, agents + 1):
                user = add_user(session, f"a{i:04d}", None, Role.AGENT, display_name=f"Agent {i}",
                                team=f"T{i % 10}", extension=str(20000 + i), password_hash=shared)
                session.flush()
                token = new_token()
                session.add(TokenRow(token_hash=token_hash(token), user_id=user.id, created_at=now,
                                     expires_at=now + timedelta(hours=2)))
                tokens[user.username] = token
    finally:
        db.dispose()
    return tokens


async def set_all_ready(backend: str, tokens: dict[str, str]) -> None:
    """Every agent in `tokens` logged in and Ready, before the clock starts (other benchmarks)."""
    async with httpx.AsyncClient(base_url=backend, timeout=30) as http:
        limit = asyncio.Semaphore(16)

        async def one(username: str) -> None:
            async with limit:
                answer = await http.put(f"/v1/agents/{username}/state", json={"state": "ready"},
                                        headers={"Authorization": f"Bearer {tokens[username]}"})
                answer.raise_for_status()

        await asyncio.gather(*(one(username) for username in sorted(tokens)))


class MonitorPty(PtyDesk):
    """`agent-tui monitor` in the pseudo-terminal instead of the desk."""

    def __init__(self, folder: Path, config: Path, profile: Path | None = None) -> None:
        super().__init__(folder, config, 0, COLUMNS, ROWS)
        profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
        self.argv = [sys.executable, *profiler, "-m", "agent_tui.cli", "monitor", "--config", str(config),
                     "--user", "sup01"]
        self.log_file = folder / "monitor.log"

    def __enter__(self) -> MonitorPty:
        super().__enter__()
        return self

    def press(self, keys: bytes) -> float:
        """Type `keys` into the terminal; when (time.monotonic())."""
        at = time.monotonic()
        os.write(self._master, keys)
        return at


def write_config(folder: Path, backend: str) -> Path:
    """The wallboard's config: the backend, a loopback phone, INFO logs to `folder/monitor.log`."""
    from agent_tui.demo.stack import free_port

    path = folder / "monitor.toml"
    path.write_text(
        f'[backend]\nurl = "{backend}"\nusername = "sup01"\n\n'
        f'[sip]\nmode = "listen"\nlisten = "127.0.0.1:{free_port()}"\n\n'
        f'[logging]\nlevel = "INFO"\nfile = "{folder / "monitor.log"}"\nsip_level = 0\n',
        encoding="utf-8")
    return path


def write_server_config(folder: Path) -> Path:
    """The backend's config: its event reader looks at the table every 50 ms (the driver is another
    process, so no commit in the backend wakes it)."""
    path = folder / "server.toml"
    path.write_text("event_poll_s = 0.05\n", encoding="utf-8")
    return path


def snapshot_rows(backend: str) -> dict[str, dict[str, Any]]:
    """The agents' rows as the backend shows them to sup01 (JSON), by username."""
    with httpx.Client(base_url=backend, timeout=60) as http:
        login = http.post("/v1/sessions", json={"username": "sup01", "password": "demo"})
        login.raise_for_status()
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        board = http.get("/v1/wallboard")
        board.raise_for_status()
        return {row["username"]: row for row in board.json()["agents"]}


class FeedDriver:
    """Writes agent changes into the backend's event table at `rate` a second (see the module doc)."""

    def __init__(self, url: str, rows: dict[str, dict[str, Any]], agents: int, rate: float) -> None:
        from agent_tui.server.db import Database

        self.db = Database(url)
        self.rows = rows
        self.agents = agents
        self.rate = rate
        self.rng = random.Random(1000)
        self.sent = 0
        self.batches = 0
        self.touched: set[str] = set()

    def _change(self, username: str, state: str, reason: str | None, n: int) -> dict[str, Any]:
        from agent_tui.domain.base import utc_now

        since = utc_now().isoformat()
        row = self.rows[username]
        on_call = state in ("on_call", "ringing", "acw")
        agent_state: dict[str, Any] = {"state": state, "reason": reason, "since": since}
        update: dict[str, Any] = {"state": state, "reason": reason, "since": since, "time_in_state_s": 0.0}
        if on_call:
            call = {"call_id": f"b{n}", "call_number": f"1380000{n % 10000:04d}", "queue": "95598-repair"}
            agent_state.update(call)
            update.update(call_id=call["call_id"], call_number=call["call_number"], call_queue=call["queue"],
                          call_started=since, call_duration_s=0.0)
        else:
            update.update(call_id=None, call_number=None, call_queue=None, call_started=None,
                          call_duration_s=None, on_hold_since=None, customer_id=None, customer_name=None)
        row.update(update)
        self.touched.add(username)
        return {"username": username, "display_name": row["display_name"], "role": "agent",
                "team": row.get("team"), "extension": row.get("extension"), "state": agent_state}

    def write(self, changes: list[dict[str, Any]], rows_due: bool) -> None:
        """One transaction: the changes' `agent_state` events, then an `agent_rows` event if due."""
        from agent_tui.domain.events import EventKind
        from agent_tui.domain.session import Role
        from agent_tui.server import broker

        with self.db.write() as session:
            for data in changes:
                broker.record(session, EventKind.AGENT_STATE, data)
            if rows_due and self.touched:
                rows = [self.rows[u] for u in sorted(self.touched)]
                self.touched.clear()
                broker.record(session, EventKind.AGENT_ROWS, {"rows": rows}, audience=Role.SUPERVISOR)
        self.batches += 1

    def run(self, seconds: float, pty: MonitorPty, keys: KeyProbe | None) -> tuple[list[float], float]:
        """Drive for `seconds`; tracer ms and the seconds the driving took. Every 10 ms the changes
        due are written in one transaction (the backend's own writes batch no further than that)."""
        tracer_ms: list[float] = []
        waiting: dict[int, tuple[str, str, float]] = {}
        start = time.monotonic()
        next_tracer, next_rows, k = start + 0.5, start + ROWS_INTERVAL_S, 0
        stop_looking = threading.Event()

        def look() -> None:  # a thread: reading the screen must not hold up the driving
            while not stop_looking.is_set() or waiting:
                now = time.monotonic()
                lines = pty.text().splitlines()
                for key, (username, label, started) in list(waiting.items()):
                    if any(line.startswith(username) and label in line for line in lines):
                        tracer_ms.append((now - started) * 1000)
                        del waiting[key]
                    elif now > started + 5.0:
                        del waiting[key]
                if stop_looking.wait(0.005) and now > start + seconds + 5.0:
                    break

        looker = threading.Thread(target=look, name="tracers", daemon=True)
        looker.start()
        if keys is not None:
            keys.start(start + 2.0)
        while (now := time.monotonic()) < start + seconds:
            due = int((now - start) * self.rate)
            changes = []
            while self.sent < due:
                username = f"a{self.rng.randint(TRACERS + 1, self.agents):04d}"
                state, reason = self.rng.choice(STATES)
                changes.append(self._change(username, state, reason, self.sent))
                self.sent += 1
            traced = None
            if now >= next_tracer:
                username = f"a{(k % TRACERS) + 1:04d}"
                state, reason, label = TRACER_STATES[k % 2]
                changes.append(self._change(username, state, reason, self.sent))
                traced, k, next_tracer = (k, username, label), k + 1, next_tracer + 0.5
            rows_due = now >= next_rows
            if rows_due:
                next_rows += ROWS_INTERVAL_S
            self.write(changes, rows_due)
            if traced is not None:
                waiting[traced[0]] = (traced[1], traced[2], time.monotonic())
            time.sleep(max(0.0, 0.01 - (time.monotonic() - now)))  # the driver's own pace
        driving = time.monotonic() - start
        stop_looking.set()
        looker.join(timeout=10)
        if keys is not None:
            keys.join()
        self.db.dispose()
        return tracer_ms, driving


class KeyProbe(threading.Thread):
    """Keys typed while the load runs, each timed until the screen shows its effect.

    ctrl+o cycles the sort order (the title names it), pgdn/pgup scroll (the first agent row changes),
    and ctrl+f, a team, enter filters (only that team's agents remain).
    """

    def __init__(self, pty: MonitorPty) -> None:
        super().__init__(name="keys", daemon=True)
        self.pty = pty
        self.ms: dict[str, list[float]] = {"sort": [], "scroll": [], "filter": []}
        self.failed: list[str] = []
        self._at = 0.0

    def start(self, at: float = 0.0) -> None:
        """Begin at `at` (time.monotonic())."""
        self._at = at
        super().start()

    def _time(self, what: str, keys: bytes, check: Any, timeout: float = 5.0) -> None:
        pressed = self.pty.press(keys)
        try:
            shown = self.pty.wait_text(check, timeout)
        except RuntimeError:
            self.failed.append(what)
            return
        self.ms[what].append((max(shown, pressed) - pressed) * 1000)

    def _first_agent(self) -> str:
        return self._first(self.pty.text())

    def run(self) -> None:
        """Two rounds of each key, a second apart."""
        time.sleep(max(0.0, self._at - time.monotonic()))  # wait for the load to be under way
        sorts = ("state", "time in state", "team", "name")
        for _round in range(2):
            for name in sorts:
                self._time("sort", b"\x0f", lambda s, n=name: f"sort: {n}" in s)
                time.sleep(0.5)  # a supervisor's pace, not a test of the key repeat
            for keys in (b"\x1b[6~", b"\x1b[5~"):
                before = self._first_agent()
                self._time("scroll", keys, lambda s, b=before: self._first(s) not in ("", b))
                time.sleep(0.5)
        # ctrl+f, then "Show all" (the fifth field): the whole table is rebuilt from the model.
        self.pty.press(b"\x06")
        try:
            self.pty.wait_text("Filter the wallboard", 5.0)
        except RuntimeError:
            self.failed.append("filter")
            return
        for _ in range(4):
            self.pty.press(b"\t")
            time.sleep(0.2)  # each tab is a focus move in the dialog; no screen change to wait on
        self._time("filter", b"\r", lambda s: "Filter the wallboard" not in s and self._first(s) != "")

    @staticmethod
    def _first(screen: str) -> str:
        for line in screen.splitlines():
            if re.match(r"^a\d{4} ", line):
                return line.split()[0]
        return ""


def paint_latencies(log_file: Path, since: float, until: float) -> list[float]:
    """Latencies the wallboard logged between two wall-clock times (time.time())."""
    from datetime import datetime

    out: list[float] = []
    for stamp, values in PAINT_LINE.findall(log_file.read_text(encoding="utf-8", errors="replace")):
        at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if since <= at <= until:
            out += [float(ms) for ms in values.split(",") if ms]
    return out


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.wallboard", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=RATE, help="state changes per second")
    parser.add_argument("--agents", type=int, default=BOARD_AGENTS)
    parser.add_argument("--quick", action="store_true",
                        help="5 s of load on 1,000 agents, no keys (the smoke test in make test)")
    parser.add_argument("--no-keys", action="store_true", help="no keys typed during the load")
    parser.add_argument("--keep", type=Path, help="work in this (empty) folder and keep its logs")
    parser.add_argument("--profile", type=Path,
                        help="run the wallboard under cProfile, its profile into this file")
    args = parser.parse_args(argv)
    install_sigterm_exit()
    seconds = 5.0 if args.quick else args.seconds
    agents = AGENTS if args.quick else args.agents  # quick: the same rate, a quicker start
    from agent_tui.demo.stack import DemoStack, free_port
    from agent_tui.server.settings_file import SERVER_CONFIG_ENV

    with tempfile.TemporaryDirectory(prefix="bench-wallboard-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'demo.db'}"
        prepare_database(folder, url, agents)
        os.environ[SERVER_CONFIG_ENV] = str(write_server_config(folder))
        with DemoStack(folder, lambda _t: None) as stack:
            backend = stack.start_backend(free_port())
            rows = snapshot_rows(backend)
            config = write_config(folder, backend)
            with MonitorPty(folder, config, args.profile) as pty:
                pty.wait_text(lambda s: " live" in s and "a0001" in s, 120)
                wait_until(lambda: "a0001" in pty.text(), 30, "the wallboard's rows")
                pty.wait_quiet(0.5, 60)
                keys = None if args.no_keys or args.quick else KeyProbe(pty)
                driver = FeedDriver(url, rows, agents, args.rate)
                cpu0, bytes0 = pty.cpu_seconds(), pty.total
                wall0, mono0 = time.time(), time.monotonic()
                tracer_ms, driving = driver.run(seconds, pty, keys)
                wall1, mono1 = time.time(), time.monotonic()
                cpu1, bytes1 = pty.cpu_seconds(), pty.total
                window = mono1 - mono0
                latencies = paint_latencies(pty.log_file, wall0, wall1 + 1.0)
                cuts = pty.log_file.read_text(encoding="utf-8", errors="replace").count("wallboard stale:")
                if args.profile is not None:
                    pty.quit(30)  # cProfile writes its file as the process ends by itself
    p95 = percentile(latencies, 0.95) if latencies else float("nan")
    cpu = (cpu1 - cpu0) / window
    kbps = (bytes1 - bytes0) / window / 1024
    rate = driver.sent / driving
    figures = [
        Figure("event → painted p95", round(p95, 1), "ms", target=f"<= {TARGET_P95_MS:.0f} ms",
               ok=bool(latencies) and p95 <= TARGET_P95_MS),
        Figure("event → painted p50",
               round(percentile(latencies, 0.5), 1) if latencies else float("nan"), "ms"),
        Figure("change → on screen p95 (tracers)",
               round(percentile(tracer_ms, 0.95), 1) if tracer_ms else float("nan"), "ms"),
        Figure("wallboard CPU", round(cpu * 100, 1), "% of a core", target=f"<= {TARGET_CPU * 100:.0f}%",
               ok=cpu <= TARGET_CPU),
        Figure("wallboard CPU per 1,000 events painted",
               round((cpu1 - cpu0) / max(len(latencies), 1) * 1e6, 1), "ms"),
        Figure("streams cut (wallboard went stale)", cuts, "cuts", target="0", ok=cuts == 0),
        Figure("terminal output 120x40", round(kbps, 2), "KB/s", target=f"<= {TARGET_KBPS:.0f} KB/s",
               ok=kbps <= TARGET_KBPS),
        Figure("state changes written", round(rate, 1), "/s", target=f">= {args.rate * 0.95:.0f}/s",
               ok=rate >= args.rate * 0.95),
    ]
    if keys is not None:
        for what, values in keys.ms.items():
            p = percentile(values, 0.95) if values else float("nan")
            figures.append(Figure(f"key → painted p95 ({what})", round(p, 1), "ms",
                                  target=f"<= {TARGET_KEY_MS:.0f} ms",
                                  ok=bool(values) and p <= TARGET_KEY_MS and what not in keys.failed))
    emit("wallboard", figures, seconds=round(window, 1), agents=agents, sent=driver.sent,
         paints=len(latencies), tracers=len(tracer_ms), load=os.getloadavg()[0],
         keys_failed=",".join(keys.failed) if keys else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
