"""`agent-tui survey`: the keypad satisfaction survey and the voicemail service, headless on pjsua2.

One process runs one mode (one pjsua2 Endpoint per process): `--mode survey` answers calls the desk
transferred after the goodbye, asks for a 1-5 score by keypad (RFC 2833 or SIP INFO), thanks the
caller, hangs up and stores the score against the ORIGINAL call, whose id the transfer carries in
the `X-Call-Id` header (the desk puts it in the Refer-To URI, so the caller's phone sends it in the
INVITE), with the `X-Survey-Token` the backend signed for that call; the service passes both on and
the backend stores the score only when the token is its own for that call id. `--mode voicemail`
answers calls the PBX overflows to it, plays the prompt and a beep, records the message until hang-up,
`#` or `--max-message` seconds, and uploads it (a callback with `voicemail=<id>` is made by the
backend). Prompts are espeak-ng WAVs in the caller's language
(`X-Language` header, else `--language`). One JSON object per line on stdout per event, as the bot.

Backend password: `$AGENT_TUI_PASSWORD`; SIP password: `$AGENT_TUI_SIP_PASSWORD` (never argv/config).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from agent_tui import paths
from agent_tui.domain.voice import SURVEY_TOKEN_HEADER
from agent_tui.i18n import normalize_language
from agent_tui.phone.bot import PASSWORD_ENV as SIP_PASSWORD_ENV
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    DtmfReceived,
    EngineError,
    EngineStarted,
    IncomingCall,
    PhoneEvent,
    PlaybackFinished,
    RecordingReady,
    Registration,
)
from agent_tui.phone.options import AccountOptions, EngineOptions
from agent_tui.phone.service_loop import serve, stoppable_events
from agent_tui.phone.survey_model import (
    Action,
    Hangup,
    Play,
    StartRecording,
    StoreScore,
    StoreVoicemail,
    SurveyCall,
    VoicemailCall,
    Wait,
)
from agent_tui.phone.survey_prompts import PromptFiles
from agent_tui.phone.voice_uploads import ScoreJob, Uploader, VoicemailJob
from agent_tui.phone.voicemail import message_wav, voicemail_id

BACKEND_PASSWORD_ENV = "AGENT_TUI_PASSWORD"  # noqa: S105 - the name of the variable
"""The backend password of the service's user (the `voice` role; never argv, never config)."""
CALL_ID_HEADER = "X-Call-Id"
"""The original call's id, carried by the desk's transfer to the survey (and by a PBX to voicemail)."""
LANGUAGE_HEADER = "X-Language"
"""Optional: the caller's language (zh, en) for the prompts."""
QUEUE_HEADER = "X-Queue"


class ServiceError(Exception):
    """Bad arguments; the message is shown and the exit code is 2."""


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ServiceError(f"--listen expects HOST:PORT, got {text!r}")
    return host, int(port)


def engine_options(args: argparse.Namespace, folder: Path) -> EngineOptions:
    """The engine's options: null audio, recording only in voicemail mode."""
    accounts: tuple[AccountOptions, ...] = ()
    if args.account:
        user, sep, domain = str(args.account).partition("@")
        if not sep or not user or not domain:
            raise ServiceError(f"--account expects USER@DOMAIN, got {args.account!r}")
        password = os.environ.get(SIP_PASSWORD_ENV)
        accounts = (AccountOptions(
            user=user, domain=domain, registrars=tuple(args.registrar), transport=args.transport,
            password=SecretStr(password) if password else None, expires_s=60, health_interval_s=5.0),)
    return EngineOptions(
        accounts=accounts, listen=_listen(args.listen), null_audio=True, stats_interval_s=3600.0,
        recording_dir=folder / "recordings" if args.mode == "voicemail" else None,
        log_file=args.log, log_level=5 if args.log is not None else 3, user_agent="agent-tui survey",
    )


@dataclass
class _Live:
    """One call the service holds."""

    model: SurveyCall | VoicemailCall
    prompts: PromptFiles
    number: str
    queue: str | None
    pbx_call_id: str | None
    answered_at: float = 0.0
    recording_from_s: float = 0.0
    timer: int = 0
    """Generation of the call's one timer: a re-armed or cancelled timer finds it changed."""
    upload: bool = False
    """The caller left a message: upload it once the recording is closed."""
    ended: bool = False
    recording: Path | None = None
    left_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class VoiceService:
    """Turns engine events into the models' actions and carries them out."""

    def __init__(self, engine: PhoneEngine, args: argparse.Namespace, uploader: Uploader | None,
                 folder: Path, out: IO[str]) -> None:
        self.engine = engine
        self.args = args
        self.uploader = uploader
        self.folder = folder
        self.out = out
        self.calls: dict[str, _Live] = {}
        self.prompts: dict[str, PromptFiles] = {}
        self._timers: list[tuple[float, Callable[[], None]]] = []

    def emit(self, event: str, **fields: Any) -> None:
        """One JSON line."""
        self.out.write(json.dumps({"event": event, "t": round(time.time(), 4), **fields}) + "\n")
        self.out.flush()

    def prompts_for(self, language: str) -> PromptFiles:
        """The prompts of a language, made on first use."""
        language = normalize_language(language)
        if language not in self.prompts:
            files = PromptFiles(language, self.args.prompts)
            files.prepare()
            self.prompts[language] = files
        return self.prompts[language]

    def run_due(self) -> float | None:
        """Run the timers that are due; seconds until the next one."""
        now = time.monotonic()
        due = [t for t in self._timers if t[0] <= now]
        self._timers = [t for t in self._timers if t[0] > now]
        for _, action in due:
            action()
        if not self._timers:
            return None
        return min(t[0] for t in self._timers) - time.monotonic()

    def handle(self, event: PhoneEvent) -> None:
        """React to one engine event."""
        if isinstance(event, EngineStarted):
            self.emit("started", address=event.address, udp_port=event.udp_port, mode=self.args.mode)
        elif isinstance(event, Registration):
            self.emit("registration", account=event.account, state=event.state, code=event.code)
        elif isinstance(event, IncomingCall):
            self._incoming(event)
        elif isinstance(event, CallState) and event.state == "confirmed" and event.call_id in self.calls:
            live = self.calls[event.call_id]
            live.answered_at = time.monotonic()
            self.emit("answered", call_id=event.call_id)
            self._apply(event.call_id, live.model.start())
        elif isinstance(event, DtmfReceived) and event.call_id in self.calls:
            live = self.calls[event.call_id]
            self.emit("dtmf", call_id=event.call_id, digit=event.digit, method=event.method)
            model = live.model
            actions = model.digit(event.digit, event.method) if isinstance(model, SurveyCall) \
                else model.digit(event.digit)
            self._apply(event.call_id, actions)
        elif isinstance(event, PlaybackFinished) and event.call_id in self.calls:
            if event.reason == "eof":  # "stopped": we replaced it with the next prompt ourselves
                self._apply(event.call_id, self.calls[event.call_id].model.playback_finished())
        elif isinstance(event, RecordingReady) and event.call_id in self.calls:
            self.calls[event.call_id].recording = Path(event.path)
            self._maybe_upload(event.call_id)
        elif isinstance(event, CallEnded) and event.call_id in self.calls:
            live = self.calls[event.call_id]
            live.timer += 1
            self._apply(event.call_id, live.model.ended())
            self.emit("ended", call_id=event.call_id, reason=event.reason,
                      score=getattr(live.model, "score", None))
            self._maybe_upload(event.call_id, ended=True)
        elif isinstance(event, EngineError):
            self.emit("error", message=event.message, command=event.command, call_id=event.call_id)

    def _incoming(self, event: IncomingCall) -> None:
        headers = event.headers
        language = headers.get(LANGUAGE_HEADER) or self.args.language
        pbx_call_id = headers.get(CALL_ID_HEADER) or None
        model: SurveyCall | VoicemailCall
        if self.args.mode == "survey":
            # Passed on, never trusted: the backend stores the score only if the token is its own for this
            # call id (anyone can call the survey with any X-Call-Id). Never written to the event lines.
            token = headers.get(SURVEY_TOKEN_HEADER) or ""
            model = SurveyCall(pbx_call_id, token, retries=self.args.retries,
                               answer_s=self.args.answer_timeout)
        else:
            model = VoicemailCall(max_s=self.args.max_message)
        self.calls[event.call_id] = _Live(model, self.prompts_for(language), event.number,
                                          headers.get(QUEUE_HEADER) or None, pbx_call_id)
        self.emit("incoming", call_id=event.call_id, number=event.number, record_id=pbx_call_id,
                  language=normalize_language(language), token=bool(headers.get(SURVEY_TOKEN_HEADER)))
        self.engine.answer(event.call_id)

    def _apply(self, call_id: str, actions: list[Action]) -> None:
        live = self.calls[call_id]
        for action in actions:
            if isinstance(action, Play):
                self.engine.play_file(call_id, live.prompts.path(action.prompt))
                live.timer += 1  # a prompt playing: no silence timer runs
            elif isinstance(action, Wait):
                live.timer += 1
                generation = live.timer
                self._timers.append((time.monotonic() + action.seconds,
                                     functools.partial(self._expired, call_id, generation)))
            elif isinstance(action, Hangup):
                live.timer += 1
                self.engine.hangup(call_id)
            elif isinstance(action, StoreScore):
                self.emit("score", call_id=call_id, record_id=action.record_id, score=action.score,
                          method=action.method)
                if self.uploader is not None:
                    self.uploader.put(ScoreJob(action.record_id, action.score, action.method, action.token))
            elif isinstance(action, StartRecording):
                live.recording_from_s = time.monotonic() - live.answered_at
                live.left_at = datetime.now(UTC)
                self.emit("recording", call_id=call_id)
            elif isinstance(action, StoreVoicemail):
                live.upload = True

    def _expired(self, call_id: str, generation: int) -> None:
        live = self.calls.get(call_id)
        if live is not None and live.timer == generation:
            self._apply(call_id, live.model.expired())

    def _maybe_upload(self, call_id: str, ended: bool = False) -> None:
        """Upload the message once the call asked for it and its recording is closed; a recording
        nobody asked for (a caller gone before the beep) is deleted."""
        live = self.calls.get(call_id)
        if live is None:
            return
        if ended:
            live.ended = True
        if not live.ended and not live.upload:
            return  # the call goes on: the recording is not the message yet
        if live.recording is None and isinstance(live.model, VoicemailCall):
            return  # the recorder closes its WAV a moment after the call: RecordingReady follows
        del self.calls[call_id]
        if live.recording is None:
            return
        if not live.upload:
            live.recording.unlink(missing_ok=True)
            return
        ident = voicemail_id(live.pbx_call_id, call_id)
        target = self.folder / "messages" / f"{ident}.wav"
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The recorder started when the call was answered; the message starts after the beep.
        seconds = message_wav(live.recording, target, live.recording_from_s)
        live.recording.unlink(missing_ok=True)
        self.emit("voicemail", call_id=call_id, voicemail_id=ident, number=live.number,
                  seconds=round(seconds, 2), path=str(target))
        if self.uploader is not None:
            self.uploader.put(VoicemailJob(ident, str(target), live.number, live.queue,
                                           live.left_at.isoformat()))


def run(args: argparse.Namespace) -> int:
    """Run the service until SIGTERM/SIGINT; the exit code."""
    folder: Path = args.folder or paths.state_dir() / "voice"
    try:
        options = engine_options(args, folder)
    except ServiceError as exc:
        print(f"agent-tui survey: {exc}", file=sys.stderr)
        return 2
    events = stoppable_events()
    service = VoiceService(PhoneEngine(options, events.put), args, None, folder, sys.stdout)
    uploader: Uploader | None = None
    if args.backend:
        password = os.environ.get(BACKEND_PASSWORD_ENV)
        if not password:
            print(f"agent-tui survey: set ${BACKEND_PASSWORD_ENV} to the password of {args.user}",
                  file=sys.stderr)
            return 2
        spool = folder / f"unsent-{args.mode}.jsonl"
        uploader = Uploader(args.backend, args.user, SecretStr(password), spool,
                            lambda name, fields: service.emit(name, **fields))
        service.uploader = uploader
    try:
        service.prompts_for(args.language)  # made before the first call: a caller never waits for espeak
    except Exception as exc:
        print(f"agent-tui survey: the prompts cannot be made: {exc}", file=sys.stderr)
        return 1
    return serve("survey", service.engine, events, service,
                 started=uploader.start if uploader is not None else None,
                 stopped=uploader.stop if uploader is not None else None)
