"""The wallboard under load: 1,000 agents, 200 state changes a second through the real backend and SSE.

The reference backend runs with the demo data plus 1,000 extra agents (`a0001`…`a1000`, made in the
database before it starts); the real wallboard (`agent-tui monitor`, logged in as sup01) runs in a
pseudo-terminal of 120x40. A load generator (this process, async HTTP as sup01) sets random agents'
states at 200 changes a second for 60 s (5 s with --quick). Meanwhile tracer agents on screen
(`a0001`…`a0012`) change to a distinctive state every half second.

Figures:
- event → painted p95: the wallboard's own measure, from the moment a change reached it (SSE event
  applied) until the repaint with it was written to the terminal (its "wallboard paint" log lines).
  Target <= 250 ms.
- change → on screen p95 (tracers): from the PUT being sent until the terminal shows it, through the
  backend, SSE, the wallboard and the terminal; shown without a target.
- CPU of the wallboard process over the window (share of one core). Target <= 60%.
- bytes written to the terminal per second over the window. Target <= 50 KB/s.

    .venv/bin/python -m bench.wallboard [--seconds S] [--rate N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench._desk_harness import PtyDesk, install_sigterm_exit, percentile, wait_until
from bench._raw_http import Pool
from bench.report import Figure, emit

AGENTS = 1000
TRACERS = 12
RATE = 200.0
COLUMNS, ROWS = 120, 40
TARGET_P95_MS = 250.0
TARGET_CPU = 0.60
TARGET_KBPS = 50.0
PAINT_LINE = re.compile(r"^(\S+ \S+) INFO agent_tui\.ui\.monitor\.wallboard: wallboard paint: .*; "
                        r"event ms: ([0-9,]+)$", re.MULTILINE)
STATES = (("ready", None), ("not_ready", "break"), ("on_call", None), ("acw", None), ("ringing", None))
TRACER_STATES = (("not_ready", "meeting", "Meeting"), ("not_ready", "training", "Training"))


def prepare_database(folder: Path, url: str | None = None) -> dict[str, str]:
    """The demo data plus `AGENTS` agents in `folder/demo.db` (what `DemoStack.start_backend` serves),
    or in the database at `url`.

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
            for i in range(1, AGENTS + 1):
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


class MonitorPty(PtyDesk):
    """`agent-tui monitor` in the pseudo-terminal instead of the desk."""

    def __init__(self, folder: Path, config: Path) -> None:
        super().__init__(folder, config, 0, COLUMNS, ROWS)
        self.argv = [sys.executable, "-m", "agent_tui.cli", "monitor", "--config", str(config),
                     "--user", "sup01"]
        self.log_file = folder / "monitor.log"


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


def _auth(tokens: dict[str, str], username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[username]}"}


def _body(rng: random.Random, n: int) -> dict[str, object]:
    state, reason = rng.choice(STATES)
    body: dict[str, object] = {"state": state, "reason": reason}
    if state in ("on_call", "ringing", "acw"):
        body.update(call_id=f"b{n}", call_number=f"1380000{n % 10000:04d}", queue="95598-repair")
    return body


async def set_all_ready(backend: str, tokens: dict[str, str]) -> None:
    """Every bench agent logged in and Ready, before the clock starts."""
    async with httpx.AsyncClient(base_url=backend, timeout=30) as http:
        limit = asyncio.Semaphore(16)

        async def one(i: int) -> None:
            username = f"a{i:04d}"
            async with limit:
                answer = await http.put(f"/v1/agents/{username}/state", json={"state": "ready"},
                                        headers=_auth(tokens, username))
                answer.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(1, AGENTS + 1)))


async def load(backend: str, tokens: dict[str, str], seconds: float, rate: float,
               pty: PtyDesk) -> tuple[int, int, list[float], float]:
    """Random state changes at `rate`/s (at most 48 in flight), plus tracers.

    Answers (sent, failed, tracer ms, seconds until the last change was answered): the tracers still
    on their way to the screen after that are waited for, but not counted in the rate.

    The changes go over a pool of lean keep-alive connections (bench/_raw_http.py): through httpx this
    process alone took most of a core at 200 changes a second, starving the backend it measures. One
    poller reads the screen for every tracer still waiting (each polling on its own cost another core
    share in pyte's screen at 5 ms intervals).
    """
    rng = random.Random(1000)
    sent = failed = 0
    tracer_ms: list[float] = []
    waiting: dict[int, tuple[str, str, float]] = {}  # tracer number → (username, label, sent at)
    async with Pool(backend, 24) as pool:
        tasks: set[asyncio.Task[None]] = set()

        async def change(username: str, body: dict[str, object]) -> None:
            nonlocal failed
            try:
                if await pool.request("PUT", f"/v1/agents/{username}/state", tokens[username],
                                      json.dumps(body).encode()) >= 400:
                    failed += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                failed += 1

        async def tracer(k: int) -> None:
            username = f"a{(k % TRACERS) + 1:04d}"
            state, reason, label = TRACER_STATES[k % 2]
            started = time.monotonic()
            await change(username, {"state": state, "reason": reason})
            waiting[k] = (username, label, started)

        def look() -> None:
            now = time.monotonic()
            lines = pty.text().splitlines()
            for k, (username, label, started) in list(waiting.items()):
                if any(line.startswith(username) and label in line for line in lines):
                    tracer_ms.append((now - started) * 1000)
                    del waiting[k]
                elif now > started + 5.0:
                    del waiting[k]

        def spawn(coro: Coroutine[Any, Any, None]) -> None:
            task = asyncio.create_task(coro)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        start = time.monotonic()
        next_tracer = start + 0.5
        next_look = start
        sending_s: float | None = None
        k = 0
        while (now := time.monotonic()) < start + seconds or waiting:
            if now >= start + seconds + 5.0:
                break
            due = int((min(now, start + seconds) - start) * rate)
            while sent < due and len(tasks) < 48:
                username = f"a{rng.randint(TRACERS + 1, AGENTS):04d}"
                spawn(change(username, _body(rng, sent)))
                sent += 1
            if now >= next_tracer and now < start + seconds:
                spawn(tracer(k))
                k += 1
                next_tracer += 0.5
            if waiting and now >= next_look:
                look()
                next_look = now + 0.005
            if now >= start + seconds and sending_s is None and not tasks:
                sending_s = now - start
            await asyncio.sleep(0.002)
        await asyncio.gather(*tasks)
    return sent, failed, tracer_ms, sending_s or time.monotonic() - start


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
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=RATE, help="state changes per second")
    parser.add_argument("--quick", action="store_true", help="5 s of load (smoke test)")
    args = parser.parse_args(argv)
    install_sigterm_exit()
    seconds = 5.0 if args.quick else args.seconds
    from agent_tui.demo.stack import DemoStack, free_port

    with tempfile.TemporaryDirectory(prefix="bench-wallboard-") as tmp:
        folder = Path(tmp)
        tokens = prepare_database(folder)
        with DemoStack(folder, lambda _t: None) as stack:
            backend = stack.start_backend(free_port())
            asyncio.run(set_all_ready(backend, tokens))
            config = write_config(folder, backend)
            with MonitorPty(folder, config) as pty:
                pty.wait_text(lambda s: " live" in s and "a0001" in s, 60)
                wait_until(lambda: "a0001" in pty.text(), 30, "the wallboard's rows")
                pty.wait_quiet(0.5, 30)
                cpu0, bytes0 = pty.cpu_seconds(), pty.total
                wall0, mono0 = time.time(), time.monotonic()
                sent, failed, tracer_ms, sending_s = asyncio.run(
                    load(backend, tokens, seconds, args.rate, pty))
                wall1, mono1 = time.time(), time.monotonic()
                cpu1, bytes1 = pty.cpu_seconds(), pty.total
                window = mono1 - mono0
                latencies = paint_latencies(pty.log_file, wall0, wall1 + 1.0)
    p95 = percentile(latencies, 0.95) if latencies else float("nan")
    cpu = (cpu1 - cpu0) / window
    kbps = (bytes1 - bytes0) / window / 1024
    figures = [
        Figure("event → painted p95", round(p95, 1), "ms", target=f"<= {TARGET_P95_MS:.0f} ms",
               ok=bool(latencies) and p95 <= TARGET_P95_MS),
        Figure("event → painted p50",
               round(percentile(latencies, 0.5), 1) if latencies else float("nan"), "ms"),
        Figure("change → on screen p95 (tracers)",
               round(percentile(tracer_ms, 0.95), 1) if tracer_ms else float("nan"), "ms"),
        Figure("wallboard CPU", round(cpu * 100, 1), "% of a core", target=f"<= {TARGET_CPU * 100:.0f}%",
               ok=cpu <= TARGET_CPU),
        Figure("terminal output 120x40", round(kbps, 2), "KB/s", target=f"<= {TARGET_KBPS:.0f} KB/s",
               ok=kbps <= TARGET_KBPS),
        Figure("state changes sent", round(sent / sending_s, 1), "/s", target=f">= {args.rate * 0.95:.0f}/s",
               ok=sent / sending_s >= args.rate * 0.95 and failed == 0),
    ]
    emit("wallboard", figures, seconds=round(window, 1), agents=AGENTS, sent=sent, failed=failed,
         paints=len(latencies), tracers=len(tracer_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
