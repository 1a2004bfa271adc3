"""Call set-up time of the phone engine against a bare pjsua2 program, direct and through Kamailio.

Four figures per path: makeCall → the callee's incoming event, and makeCall → the caller's confirmed
event, for our `PhoneEngine` on both ends and for a minimal pjsua2 program on both ends (same
settings: one thread, null audio, same codecs, 180 then 200). Each pair runs as two processes; the
times come from CLOCK_MONOTONIC, which every process on the machine shares. Both pairs run at the
same time and their calls are interleaved one by one (see `paired_round`), so that machine noise
hits both alike; the overhead ratio is median(engine) / median(bare), and the quartiles of the
per-pair ratios show its spread.

This module is also the peer program (`python -m bench.phone_setup peer ...`), which the soak
benchmark reuses as its far end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bench.report import Figure, emit

CALLS = 80
"""Measured calls per implementation and path (after the warm-up)."""
WARM_UP = 5
PACE_S = 0.04
"""Gap between call set-ups: pjsua2 aborts beyond ~30 set-ups per 0.5 s in one process."""
PASSWORD_ENV = "BENCH_SIP_PASSWORD"
CODECS = ("PCMA/8000", "PCMU/8000", "G722/16000")


def out(**fields: Any) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class Stdin:
    """The orchestrator's commands on stdin: a "go" line per call to place (paired mode), EOF to finish."""

    def __init__(self) -> None:
        self.eof = threading.Event()
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for line in sys.stdin:
                self.lines.put(line.strip())
        self.eof.set()

    def go(self, timeout: float) -> bool:
        """Wait up to `timeout` for the next "go"; False at EOF or when none came in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.lines.get(timeout=max(0.0, min(0.005, deadline - time.monotonic()))) == "go":
                    return True
            except queue.Empty:
                if self.eof.is_set() and self.lines.empty():
                    return False
        return False


def calls_to_place(args: argparse.Namespace, commands: Stdin, pump: Any = None) -> Iterator[None]:
    """One step per call: `--calls` of them, or (with `--paired`) one per "go" line until EOF.

    `pump(ms)` keeps a single-threaded peer's pjsua2 running while it waits for the next "go".
    """
    if not args.paired:
        yield from (None for _ in range(args.calls))
        return
    while True:
        if pump is None:
            if not commands.go(3600):
                return
        else:
            while not commands.go(0.005):
                if commands.eof.is_set() and commands.lines.empty():
                    return
                pump(5)
        yield None


# --------------------------------------------------------------------------------------- bare peer


def run_bare(args: argparse.Namespace) -> int:
    """A minimal pjsua2 user agent: the baseline. Same settings as the engine, nothing else."""
    import pjsua2 as pj

    from agent_tui.phone.logbridge import silenced_stdout

    stamps: list[tuple[str, float]] = []
    state: dict[str, Any] = {"registered": False, "confirmed": False, "disconnected": False}
    finished: list[Any] = []

    class Call(pj.Call):  # type: ignore[misc]
        def onCallState(self, prm: Any) -> None:
            info = self.getInfo()
            if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
                stamps.append(("confirmed", time.monotonic()))
                state["confirmed"] = True
            elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                state["disconnected"] = True
                finished.append(self)

        def onCallMediaState(self, prm: Any) -> None:
            ep = pj.Endpoint.instance()
            for media in self.getInfo().media:
                if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    audio = self.getAudioMedia(media.index)
                    ep.audDevManager().getCaptureDevMedia().startTransmit(audio)
                    audio.startTransmit(ep.audDevManager().getPlaybackDevMedia())

    live: list[Any] = []

    class Account(pj.Account):  # type: ignore[misc]
        def onRegState(self, prm: Any) -> None:
            state["registered"] = 200 <= int(prm.code) < 300 and int(prm.expiration) > 0

        def onIncomingCall(self, prm: Any) -> None:
            stamps.append(("incoming", time.monotonic()))
            call = Call(self, prm.callId)
            live.append(call)
            answer = pj.CallOpParam(True)
            answer.statusCode = 180
            call.answer(answer)
            answer = pj.CallOpParam(True)
            answer.statusCode = 200
            call.answer(answer)

    ep = pj.Endpoint()
    with silenced_stdout():
        ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = 32
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    cfg.medConfig.noVad = True
    ep.libInit(cfg)
    ep.libStart()
    tcfg = pj.TransportConfig()
    tcfg.port = args.port
    tcfg.boundAddress = "127.0.0.1"
    tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    address = str(ep.transportGetInfo(tid).localName)
    ep.audDevManager().setNullDev()
    for codec in ep.codecEnum2():
        codec_id = str(codec.codecId)
        rank = next((i for i, c in enumerate(CODECS) if codec_id.lower().startswith(c.lower())), None)
        ep.codecSetPriority(codec_id, 255 - rank if rank is not None else min(int(codec.priority), 100))
    acc_cfg = pj.AccountConfig()
    acc_cfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    if args.registrar:
        host = args.registrar.split(":", 1)[1]
        acc_cfg.idUri = f"sip:{args.user}@{host.rsplit(':', 1)[0]}"
        acc_cfg.regConfig.registrarUri = args.registrar
        acc_cfg.sipConfig.authCreds.append(
            pj.AuthCredInfo("digest", "*", args.user, 0, os.environ.get(PASSWORD_ENV, ""))
        )
    else:
        acc_cfg.idUri = f"sip:{args.user}@{address}"
        acc_cfg.regConfig.registerOnAdd = False
    account = Account()
    account.create(acc_cfg, True)
    commands = Stdin()
    try:
        if args.registrar:
            deadline = time.monotonic() + 10
            while not state["registered"] and time.monotonic() < deadline:
                ep.libHandleEvents(20)
            if not state["registered"]:
                out(error="registration failed")
                return 1
        out(ready=address)
        if args.role == "caller":
            for _ in calls_to_place(args, commands, ep.libHandleEvents):
                began = time.monotonic()
                state["confirmed"] = state["disconnected"] = False
                call = Call(account)
                t0 = time.monotonic()
                call.makeCall(args.target, pj.CallOpParam(True))
                deadline = t0 + 10
                while not state["confirmed"] and not state["disconnected"] and time.monotonic() < deadline:
                    ep.libHandleEvents(50)
                out(call=t0, confirmed=stamps[-1][1] if state["confirmed"] else None)
                if not state["disconnected"]:
                    call.hangup(pj.CallOpParam(True))
                while not state["disconnected"] and time.monotonic() < deadline:
                    ep.libHandleEvents(50)
                finished.clear()
                del call
                while time.monotonic() - began < args.interval:
                    ep.libHandleEvents(5)
            out(done=True)
        else:
            while not commands.eof.is_set():
                ep.libHandleEvents(50)
                # No loop variable may keep a Call: one alive after libDestroy aborts the process.
                live[:] = [c for c in live if c not in finished]
                finished.clear()
            out(incoming=[stamp for kind, stamp in stamps if kind == "incoming"])
    finally:
        ep.hangupAllCalls()
        deadline = time.monotonic() + 1
        while live and time.monotonic() < deadline:
            ep.libHandleEvents(20)
            live[:] = [c for c in live if c not in finished]
        live.clear()
        finished.clear()
        if args.registrar:
            with contextlib.suppress(pj.Error):
                account.setRegistration(False)
            deadline = time.monotonic() + 1
            while state["registered"] and time.monotonic() < deadline:
                ep.libHandleEvents(20)
        account.shutdown()
        del account
        ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
    return 0


# ------------------------------------------------------------------------------------- engine peer


def run_engine(args: argparse.Namespace) -> int:
    """The same peer made of our PhoneEngine (auto-answer when called)."""
    from pydantic import SecretStr

    from agent_tui.phone.engine import PhoneEngine
    from agent_tui.phone.events import CallEnded, CallState, IncomingCall, PhoneEvent, Registration
    from agent_tui.phone.options import AccountOptions, EngineOptions

    events: queue.SimpleQueue[tuple[PhoneEvent, float]] = queue.SimpleQueue()

    def listener(event: PhoneEvent) -> None:
        events.put((event, time.monotonic()))  # what an app's listener does: hand it on

    accounts: tuple[AccountOptions, ...] = ()
    if args.registrar:
        host = args.registrar.split(":", 1)[1].rsplit(":", 1)[0]
        accounts = (
            AccountOptions(
                user=args.user,
                domain=host,
                registrars=(args.registrar,),
                password=SecretStr(os.environ.get(PASSWORD_ENV, "")),
                health_interval_s=0,
            ),
        )
    options = EngineOptions(
        accounts=accounts,
        listen=("127.0.0.1", args.port),
        auto_answer=True,
        stats_interval_s=0,
        codecs=CODECS,
    )
    engine = PhoneEngine(options, listener)
    started = engine.start()
    commands = Stdin()

    def next_event(kind: type[Any], deadline: float, **fields: Any) -> tuple[Any, float] | None:
        while time.monotonic() < deadline:
            try:
                event, stamp = events.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                return None
            if isinstance(event, kind) and all(getattr(event, k) == v for k, v in fields.items()):
                return event, stamp
            if isinstance(event, CallEnded) and kind is CallState and event.call_id == fields.get("call_id"):
                return None
        return None

    try:
        if args.registrar and next_event(Registration, time.monotonic() + 10, state="registered") is None:
            out(error="registration failed")
            return 1
        out(ready=started.address)
        if args.role == "caller":
            for _ in calls_to_place(args, commands):
                t0 = time.monotonic()
                call_id = engine.make_call(args.target)
                confirmed = next_event(CallState, t0 + 10, call_id=call_id, state="confirmed")
                out(call=t0, confirmed=confirmed[1] if confirmed else None)
                with contextlib.suppress(Exception):
                    engine.hangup(call_id)
                next_event(CallEnded, t0 + 10, call_id=call_id)
                pause = args.interval - (time.monotonic() - t0)
                if pause > 0:
                    time.sleep(pause)  # pacing between set-ups, not a wait for a result
            out(done=True)
        else:
            # Stamps are printed at the end: printing while calls are set up would compete with
            # the engine thread for the GIL and measure the benchmark instead of the engine.
            incoming: list[float] = []
            while not commands.eof.is_set():
                with contextlib.suppress(queue.Empty):
                    event, stamp = events.get(timeout=0.05)
                    if isinstance(event, IncomingCall):
                        incoming.append(stamp)
            out(incoming=incoming)
    finally:
        engine.stop()
    return 0


# ------------------------------------------------------------------------------------ orchestrator


class Peer:
    """A peer process; JSON lines from its stdout arrive on a queue."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.phone_setup", "peer", *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.lines: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            with contextlib.suppress(ValueError):
                self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, key: str, timeout: float = 30.0) -> dict[str, Any]:
        """The next line that has `key`; fails at EOF, on an error line or after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            if line is None:
                raise RuntimeError(f"peer exited with {self.proc.wait()} before sending {key!r}")
            if "error" in line:
                raise RuntimeError(f"peer failed: {line['error']}")
            if key in line:
                return line

    def send(self, line: str) -> None:
        """One command line to the peer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        """EOF on the peer's stdin: callers finish, callees print their stamps."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def finish(self, timeout: float = 15.0) -> int:
        """Close stdin (the signal to stop) and wait for the exit code."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return -9


def peer_args(impl: str, role: str, user: str, registrar: str | None, **extra: Any) -> list[str]:
    """The argv of one peer."""
    argv = ["--impl", impl, "--role", role, "--user", user]
    if registrar:
        argv += ["--registrar", registrar]
    for key, value in extra.items():
        argv += [f"--{key}"] + ([str(value)] if value != "" else [])  # "" marks a flag
    return argv


def paired_round(registrar: str | None, calls: int, warm_up: int) -> dict[str, dict[str, list[float]]]:
    """Engine and bare pairs side by side, their calls interleaved one by one (ms samples per impl).

    Four processes live at once: an engine caller and callee, a bare caller and callee. The
    orchestrator says "go" to one caller at a time, alternating which implementation goes first,
    so that whatever else the machine does hits both alike; sample k of the engine and sample k of
    the bare pair are neighbours in time. The first `warm_up` calls of each are dropped.
    """
    users = {"engine": ("1001", "1002"), "bare": ("1003", "1004")}
    callees = {impl: Peer(peer_args(impl, "callee", users[impl][0], registrar),
                          {PASSWORD_ENV: f"secret-{users[impl][0]}"}) for impl in users}
    callers: dict[str, Peer] = {}
    placed: dict[str, list[dict[str, Any]]] = {impl: [] for impl in users}
    rang: dict[str, list[float]] = {}
    try:
        for impl, callee in callees.items():
            address = callee.next("ready")["ready"]
            user = users[impl][0]
            target = f"sip:{user}@{registrar.split(':', 1)[1]}" if registrar else f"sip:{user}@{address}"
            callers[impl] = Peer(
                peer_args(impl, "caller", users[impl][1], registrar, target=target, interval=0, paired=""),
                {PASSWORD_ENV: f"secret-{users[impl][1]}"},
            )
        for caller in callers.values():
            caller.next("ready")
        for number in range(warm_up + calls):
            order = ("engine", "bare") if number % 2 == 0 else ("bare", "engine")
            for impl in order:
                callers[impl].send("go")
                placed[impl].append(callers[impl].next("call"))
                time.sleep(PACE_S)  # pacing between set-ups (pjsua2's ioqueue), not a wait for a result
        for caller in callers.values():
            caller.close_stdin()
            caller.next("done")
        for impl, callee in callees.items():
            callee.close_stdin()  # the callee then prints its stamps and exits
            rang[impl] = callee.next("incoming")["incoming"]
    finally:
        codes = {f"{impl} caller": peer.finish() for impl, peer in callers.items()}
        codes.update({f"{impl} callee": peer.finish() for impl, peer in callees.items()})
    if any(codes.values()):
        raise RuntimeError(f"peers exited with {codes}")
    samples: dict[str, dict[str, list[float]]] = {}
    for impl in users:
        if len(rang[impl]) != len(placed[impl]):
            raise RuntimeError(f"{impl}: {len(placed[impl])} calls placed, {len(rang[impl])} rang")
        pairs = list(zip(rang[impl], placed[impl], strict=True))[warm_up:]
        samples[impl] = {
            "incoming": [(ring - call["call"]) * 1000 for ring, call in pairs],
            # A call that was not confirmed counts as NaN here (and as a failure below).
            "confirmed": [(call["confirmed"] - call["call"]) * 1000 if call["confirmed"] is not None
                          else math.nan for _, call in pairs],
        }
    return samples


@contextlib.contextmanager
def kamailio() -> Iterator[str | None]:
    """A Kamailio registrar as the tests start it; yields its URI (None when Kamailio is missing)."""
    binary = shutil.which("kamailio") or next(
        (p for p in ("/usr/sbin/kamailio",) if os.access(p, os.X_OK)), None
    )
    if binary is None:
        yield None
        return
    from tests.support.sip_peers import Kamailio

    with tempfile.TemporaryDirectory(prefix="bench-kamailio-") as workdir:
        server = Kamailio(binary, Path(workdir))
        server.start()
        try:
            yield server.uri()
        finally:
            server.stop()


def measure() -> list[Figure]:
    """Paired engine and bare calls on each path; medians, their ratio and the spread of per-pair ratios."""
    figures: list[Figure] = []
    with kamailio() as registrar:
        paths: list[tuple[str, str | None]] = [("direct", None)]
        if registrar is not None:
            paths.append(("kamailio", registrar))
        for label, via in paths:
            samples = paired_round(via, CALLS, WARM_UP)
            failures = sum(math.isnan(v) for impl in samples.values() for v in impl["confirmed"])
            for what in ("incoming", "confirmed"):
                pairs = [(e, b) for e, b in zip(samples["engine"][what], samples["bare"][what], strict=True)
                         if not (math.isnan(e) or math.isnan(b))]
                engine_ms = statistics.median(e for e, _ in pairs)
                bare_ms = statistics.median(b for _, b in pairs)
                ratio = engine_ms / bare_ms
                q1, _, q3 = statistics.quantiles([e / b for e, b in pairs], n=4)
                figures += [
                    Figure(f"{label}: makeCall → {what} (engine, median)", round(engine_ms, 2), "ms"),
                    Figure(f"{label}: makeCall → {what} (bare pjsua2, median)", round(bare_ms, 2), "ms"),
                    Figure(f"{label}: {what} added by the engine", round(engine_ms - bare_ms, 2), "ms"),
                    Figure(f"{label}: {what} overhead ratio", round(ratio, 3), "×", "<= 1.2", ratio <= 1.2),
                    Figure(f"{label}: {what} per-pair ratio, p25", round(q1, 3), "×"),
                    Figure(f"{label}: {what} per-pair ratio, p75", round(q3, 3), "×"),
                ]
            figures.append(Figure(f"{label}: failed calls", failures, "calls", "== 0", failures == 0))
    return figures


def main(argv: list[str]) -> int:
    """`peer ...` runs one peer; no arguments runs the benchmark."""
    if argv and argv[0] == "peer":
        parser = argparse.ArgumentParser(prog="bench.phone_setup peer")
        parser.add_argument("--impl", choices=("engine", "bare"), required=True)
        parser.add_argument("--role", choices=("caller", "callee"), required=True)
        parser.add_argument("--user", default="1001")
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--registrar")
        parser.add_argument("--target")
        parser.add_argument("--calls", type=int, default=1)
        parser.add_argument("--interval", type=float, default=PACE_S)
        parser.add_argument("--paired", action="store_true", help='place a call per "go" line on stdin')
        args = parser.parse_args(argv[1:])
        return run_engine(args) if args.impl == "engine" else run_bare(args)
    emit("phone_setup", measure(), calls_per_path=CALLS, warm_up=WARM_UP, mode="paired, interleaved")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
