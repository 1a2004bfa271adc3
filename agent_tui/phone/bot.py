"""`agent-tui bot`: the phone engine with no UI, one JSON object per line on stdout per event.

It answers (or dials) calls, sends DTMF, holds, hangs up on timers, and exits after N calls or on
SIGTERM/SIGINT. Load tests, ghost agents and tests use it as a SIP peer.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStats,
    ConferenceChanged,
    DtmfReceived,
    EngineError,
    EngineStarted,
    EngineStopped,
    Health,
    IncomingCall,
    MonitorModeChanged,
    MonitorStarted,
    PhoneEvent,
    PlaybackFinished,
    RecordingReady,
    Registration,
    Transferred,
    TransferRequested,
)
from agent_tui.phone.options import AccountOptions, EngineOptions
from agent_tui.phone.service_loop import serve, stoppable_events

PASSWORD_ENV = "AGENT_TUI_SIP_PASSWORD"  # noqa: S105 - a variable name, not a secret
"""Environment variable with the SIP password, for scripting (never argv, never config)."""
MONITOR_KEY_ENV = "AGENT_TUI_MONITOR_KEY"
"""Environment variable with the key that signs monitoring tokens, for a bot without a backend
(a ghost agent gets it from the backend's phone-config)."""


class BotError(Exception):
    """Bad arguments or config; the message is shown and the exit code is 2."""


def _env_password() -> SecretStr | None:
    value = os.environ.get(PASSWORD_ENV)
    return SecretStr(value) if value else None


def _password_for(user: str, domain: str) -> SecretStr | None:
    from_env = _env_password()
    if from_env is not None:
        return from_env
    try:
        from agent_tui import credentials

        store = credentials.CredentialStore.open()
        return store.get(credentials.sip_key(user, domain))
    except Exception:  # locked or no store: the account then fails with a clear 401
        return None


def bot_options(args: argparse.Namespace) -> EngineOptions:
    """EngineOptions from the bot's arguments (and the config file when one is given)."""
    base = EngineOptions()
    config: Path | None = getattr(args, "config", None)
    if config is not None:
        from agent_tui.config import load_config
        from agent_tui.phone.from_settings import engine_options

        base = engine_options(load_config(config), _password_for)
    accounts = base.accounts
    if args.account:
        user, sep, domain = str(args.account).partition("@")
        if not sep or not user or not domain:
            raise BotError(f"--account expects USER@DOMAIN, got {args.account!r}")
        accounts = (AccountOptions(
            user=user, domain=domain, registrars=tuple(args.registrar), transport=args.transport,
            password=_env_password(), expires_s=60, health_interval_s=2.0,
        ),)
    monitor_key = os.environ.get(MONITOR_KEY_ENV)
    earpiece: Path | None = getattr(args, "earpiece", None)
    listen = args.listen if args.listen is not None else base.listen
    stats = args.stats_interval if args.stats_interval is not None else base.stats_interval_s
    ring_timeout: float | None = getattr(args, "ring_timeout", None)
    if ring_timeout is not None and ring_timeout < 0:
        raise BotError(f"--ring-timeout expects seconds >= 0, got {ring_timeout:g}")
    return EngineOptions(
        **{
            **base.__dict__,
            "accounts": accounts,
            "listen": listen,
            "recording_dir": args.record if args.record is not None else base.recording_dir,
            "log_file": args.log if args.log is not None else base.log_file,
            "log_level": 5 if args.log is not None else base.log_level,
            "stats_interval_s": stats,
            "ring_timeout_s": ring_timeout if ring_timeout is not None else base.ring_timeout_s,
            "null_audio": True,
            "earpiece_file": earpiece if earpiece is not None else base.earpiece_file,
            "monitor_key": SecretStr(monitor_key) if monitor_key else base.monitor_key,
        }
    )


def _headers(pairs: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise BotError(f"--header expects NAME=VALUE, got {pair!r}")
        headers[name.strip()] = value
    return headers


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class Bot:
    """Turns engine events into JSON lines and drives calls by the bot's arguments."""

    def __init__(self, engine: PhoneEngine, args: argparse.Namespace, out: IO[str]) -> None:
        self.engine = engine
        self.args = args
        self.out = out
        self.headers = _headers(args.header)
        self.ended = 0
        self.dialled = 0
        self.to_dial = (args.calls or 1) if args.dial else 0
        self.live: set[str] = set()
        self.handed_on: set[str] = set()
        """Calls we were transferred away from: the conversation goes on in a new call."""
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self.done = False

    def emit(self, event: str, **fields: Any) -> None:
        """One JSON line (ASCII-escaped, so any terminal or pipe takes it)."""
        self.out.write(json.dumps({"event": event, "t": round(time.time(), 4), **fields}) + "\n")
        self.out.flush()

    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` on the bot's thread after `delay` seconds."""
        heapq.heappush(self._timers, _Timer(time.monotonic() + max(delay, 0.0), next(self._seq), action))

    def on_call(self, call_id: str, action: Callable[[str], None]) -> Callable[[], None]:
        """An action that runs only if the call is still up by then."""
        return lambda: action(call_id) if call_id in self.live else None

    def run_due(self) -> float | None:
        """Run the timers that are due; seconds until the next one (None: none left)."""
        while self._timers and self._timers[0].due <= time.monotonic():
            heapq.heappop(self._timers).action()
        return self._timers[0].due - time.monotonic() if self._timers else None

    def dial_next(self) -> None:
        """Place the next call of `--dial`."""
        if self.dialled >= self.to_dial:
            return
        self.dialled += 1
        call_id = self.engine.make_call(self.args.dial, self.headers)
        self.live.add(call_id)
        self.emit("dialing", call_id=call_id, uri=self.args.dial, headers=self.headers)

    def handle(self, event: PhoneEvent) -> None:
        """React to one engine event."""
        args = self.args
        if isinstance(event, EngineStarted):
            earpiece = self.engine.options.earpiece_file
            self.emit("started", address=event.address, udp_port=event.udp_port, tcp_port=event.tcp_port,
                      earpiece=str(earpiece) if earpiece is not None else None)
            if args.tone:
                self.engine.play_tone(args.tone)
            if args.dial and not args.account:
                self.dial_next()
        elif isinstance(event, Registration):
            name = "registered" if event.state == "registered" else "registration"
            self.emit(name, account=event.account, state=event.state, code=event.code, reason=event.reason)
            if event.state == "registered" and args.dial and self.dialled == 0:
                self.dial_next()
        elif isinstance(event, Health):
            self.emit("health", account=event.account, ok=event.ok, rtt_ms=event.rtt_ms, detail=event.detail)
        elif isinstance(event, IncomingCall):
            self.live.add(event.call_id)
            self.emit("incoming", call_id=event.call_id, number=event.number, display=event.display,
                      headers=event.headers, remote_uri=event.remote_uri, waiting=event.waiting)
            if args.reject:
                self.engine.reject(event.call_id, args.reject)
            else:
                self.later(args.answer_after or 0.0, self.on_call(event.call_id, self.engine.answer))
        elif isinstance(event, CallState):
            self._call_state(event)
        elif isinstance(event, DtmfReceived):
            self.emit("dtmf", call_id=event.call_id, digit=event.digit, method=event.method)
        elif isinstance(event, TransferRequested):
            self.handed_on.add(event.call_id)
            self.emit("transferred", call_id=event.call_id, role="transferee", target=event.target,
                      headers=event.headers)
        elif isinstance(event, Transferred):
            self.emit("transferred", call_id=event.call_id, role="transferor", target=event.target,
                      ok=event.ok, code=event.code)
        elif isinstance(event, CallEnded):
            self.live.discard(event.call_id)
            self.emit("ended", call_id=event.call_id, reason=event.reason, code=event.code,
                      duration=event.duration_s, direction=event.direction, missed=event.missed)
            if event.call_id in self.handed_on:
                return
            self.ended += 1
            if args.calls is not None and self.ended >= args.calls:
                self.done = True
            elif self.dialled < self.to_dial:
                self.dial_next()
            elif args.dial and args.calls is None:
                self.done = True
        elif isinstance(event, CallStats):
            self.emit("stats", call_id=event.call_id, codec=event.codec, jitter_ms=event.jitter_ms,
                      loss_pct=event.loss_pct, rtt_ms=event.rtt_ms, mos=event.mos, final=event.final,
                      rx_packets=event.rx_packets, tx_packets=event.tx_packets)
        elif isinstance(event, RecordingReady):
            self.emit("recording", call_id=event.call_id, path=event.path)
        elif isinstance(event, PlaybackFinished):
            self.emit("playback_finished", call_id=event.call_id, path=event.path, reason=event.reason)
        elif isinstance(event, MonitorStarted):
            self.emit("monitor", call_id=event.call_id, mode=event.mode, target=event.target_call_id)
        elif isinstance(event, MonitorModeChanged):
            self.emit("monitor_mode", call_id=event.call_id, mode=event.mode, ok=event.ok, code=event.code,
                      reason=event.reason)
        elif isinstance(event, ConferenceChanged):
            self.emit("conference", call_ids=list(event.call_ids))
        elif isinstance(event, EngineError):
            self.emit("error", message=event.message, command=event.command, call_id=event.call_id)
        elif isinstance(event, EngineStopped):
            self.emit("stopped", clean=event.clean)

    def _call_state(self, event: CallState) -> None:
        args = self.args
        call_id = event.call_id
        if event.state == "confirmed":
            self.live.add(call_id)
            self.emit("answered", call_id=call_id, direction=event.direction, reason=event.reason)
            if args.dtmf:
                digits = str(args.dtmf)
                self.later(0.3, self.on_call(
                    call_id, lambda c: self.engine.send_dtmf(c, digits, args.dtmf_method)))
            if args.hold_after is not None:
                self.later(args.hold_after, self.on_call(call_id, self.engine.hold))
                self.later(2 * args.hold_after, self.on_call(call_id, self.engine.resume))
            if args.hangup_after is not None:
                self.later(args.hangup_after, self.on_call(call_id, self.engine.hangup))
        elif event.state in ("held", "resumed"):
            self.emit(event.state, call_id=call_id)
        else:
            self.emit("call_state", call_id=call_id, state=event.state, code=event.code)


def run(args: argparse.Namespace) -> int:
    """Run the bot until its calls are done or a signal arrives; the exit code."""
    try:
        options = bot_options(args)
    except Exception as exc:
        print(f"agent-tui bot: {exc}", file=sys.stderr)
        return 2
    events = stoppable_events()
    engine = PhoneEngine(options, events.put)
    bot = Bot(engine, args, sys.stdout)
    return serve("bot", engine, events, bot, done=lambda: bot.done)
