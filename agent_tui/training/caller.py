"""The simulated caller on the SIP side: rings the trainee's desk and speaks the scenario's lines.

`SimulatedCaller` ties a `Director` to a phone engine: it dials the trainee with the scenario's number
and the headers an IVR would set (plus `X-Training-*`, so the desk keeps training apart), turns phone
events and desk progress into director events, and speaks each line it gets back: as a WAV played into
the call when the engine can play files, and always as a caption, so the scenario works without audio.
Lines are spoken one after another; a hang-up line ends the call once it has been heard. A line is over
when its length has passed and the engine reported its WAV finished (`PlaybackFinished`): under CPU load
the engine's media clock runs behind the wall clock, and replacing a WAV the bridge still reads killed
the caller process (SIGSEGV) in the middle of a practice call.

pjsua2 allows one engine per process, so a simulated caller runs in its own process:
`python -m agent_tui.training.caller --scenario ID|FILE --target SIP-URI` reads commands as JSON lines
on stdin (`{"cmd": "step", "step": "readback"}`, `{"cmd": "next"}`, `{"cmd": "hangup"}`, `{"cmd": "quit"}`,
`{"cmd": "takeover"}` / `{"cmd": "release"}`: a trainer plays the customer live and the caller is silent)
and writes events as JSON lines on stdout (`dialing`, `answered`, `caption`, `takeover`, `trainer_phone`,
`ended`). With `--trainer-phone URI` a takeover also rings the trainer's own softphone and joins it to
the call in a conference (`TrainerLeg`), so the trainee hears the trainer and the trainer hears the
trainee; a release hangs that leg up and the simulated caller speaks again. With `--ring-timeout S` the
caller gives up (CANCEL) a call still ringing after S seconds, as a real caller would: the desk normally
refuses it first at its own ring timeout, but a desk that quit or froze while ringing cannot.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import logging
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from agent_tui.domain.training import Scenario
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    DtmfReceived,
    EngineError,
    PhoneEvent,
    PlaybackFinished,
)
from agent_tui.training.director import (
    Answered,
    Director,
    DirectorEvent,
    DtmfPressed,
    HungUp,
    NextPressed,
    Say,
    SpeechEnded,
    StepReached,
    Tick,
)
from agent_tui.training.speech import SpeechCache, SpeechError, SpeechUnavailable, wav_seconds
from agent_tui.training.trainer_leg import TrainerLeg

log = logging.getLogger(__name__)

HANGUP_GRACE_S = 0.5
"""Pause after a closing line before the caller hangs up."""
PLAYBACK_LAG_S = 5.0
"""How long past a WAV's length the caller waits for the engine to report it finished: an engine that
never reports (or lost the report) delays the next line by this much at most."""
SECONDS_PER_CHAR = {"zh": 0.25, "en": 0.07}
"""Reading time of a caption when there is no audio to time it."""


class CallerPhone(Protocol):
    """What the simulated caller needs of a phone engine (`agent_tui.phone.engine.PhoneEngine`)."""

    def make_call(self, uri: str, headers: dict[str, str] | None = None, account: str | None = None) -> str:
        """Dial; returns the call id."""
        ...

    def hangup(self, call_id: str) -> None:
        """End the call."""
        ...


@dataclass(frozen=True)
class Caption:
    """A line as the trainee's desk shows it, with the WAV that carries it (None: caption only)."""

    call_id: str
    line_id: str
    text: str
    mood: str
    at: float
    audio: Path | None = None
    hangup: bool = False


def ivr_headers(scenario: Scenario, *, customer_id: int | None = None,
                attempt_id: str = "") -> dict[str, str]:
    """The INVITE headers of a simulated call: what a real IVR sets, plus the training markers."""
    headers = {
        "P-Asserted-Identity": f"<sip:{scenario.number}@training.invalid>",
        "X-Account": scenario.caller.account,
        "X-Training-Scenario": scenario.id,
    }
    if scenario.call.queue:
        headers["X-Queue"] = scenario.call.queue
    if customer_id is not None:
        headers["X-Customer-Id"] = str(customer_id)
    if attempt_id:
        headers["X-Training-Attempt"] = attempt_id
    headers.update(scenario.call.headers)
    return headers


class SimulatedCaller:
    """One simulated call: dial, react, speak, hang up. Safe to feed from several threads.

    `speech` makes the WAVs (None: captions only); `on_caption` receives each line as it starts; the
    engine plays a WAV when it has `play_file(call_id, path)`. `clock` is monotonic seconds.
    """

    def __init__(
        self,
        scenario: Scenario,
        phone: CallerPhone,
        *,
        speech: SpeechCache | None = None,
        on_caption: Callable[[Caption], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        ring_timeout_s: float | None = None,
    ) -> None:
        self.scenario = scenario
        self.ring_timeout_s = ring_timeout_s
        """Give up a call still ringing this long after dialing (None: ring until the desk ends it)."""
        self.rang_out = False
        """The call was given up unanswered at `ring_timeout_s`."""
        self._dialed_at: float | None = None
        self._answered = False
        self.phone = phone
        self.speech = speech
        self.on_caption = on_caption
        self.director = Director(scenario)
        self.call_id: str | None = None
        self.captions: list[Caption] = []
        self._clock = clock
        self._lock = threading.RLock()
        self._queue: deque[Say] = deque()
        self._busy_until: float | None = None
        """When the line being said is over by the clock (its WAV's length, or its reading time)."""
        self._playing: Path | None = None
        """The line's WAV while the engine plays it (not reported finished yet)."""
        self._finished_at: float | None = None
        """When the engine reported the line's WAV finished."""
        self._closing = False
        """The line being said is a hang-up line: the call ends once it is over."""
        self._hangup_at: float | None = None
        self._ended = False
        self._taken_over = False
        self._audio: dict[str, Path] = {}
        self._play: Callable[[str, Path], object] | None = getattr(phone, "play_file", None)
        self.audio_problem = ""
        """Why lines are captions only, when they are."""

    @property
    def ended(self) -> bool:
        """Whether the call is over."""
        return self._ended

    def prepare(self) -> None:
        """Make every line's WAV before dialing, so the first line plays without delay."""
        if self.speech is None:
            self.audio_problem = "no speech cache"
            return
        try:
            self._audio = self.speech.prepare(self.scenario)
        except (SpeechUnavailable, SpeechError) as exc:
            self.audio_problem = str(exc)
            log.warning("simulated caller speaks in captions only: %s", exc)

    def dial(self, target: str, *, customer_id: int | None = None, attempt_id: str = "") -> str:
        """Ring the trainee's desk at `target`; returns the call id."""
        with self._lock:
            self.call_id = self.phone.make_call(target, ivr_headers(self.scenario, customer_id=customer_id,
                                                                    attempt_id=attempt_id))
            self._dialed_at = self._clock()
            return self.call_id

    # --- input ----------------------------------------------------------------------------------

    def on_phone_event(self, event: PhoneEvent) -> None:
        """Feed an engine event (any thread); events of other calls are ignored."""
        call_id = getattr(event, "call_id", None)
        if call_id is None or call_id != self.call_id:
            return
        now = self._clock()
        if isinstance(event, CallState) and event.state == "confirmed":
            with self._lock:
                self._answered = True
            self._feed(Answered(now))
        elif isinstance(event, DtmfReceived):
            self._feed(DtmfPressed(event.digit, now))
        elif isinstance(event, CallEnded):
            with self._lock:
                self._ended = True
                self._queue.clear()
                self.director.handle(HungUp(now))
        elif isinstance(event, PlaybackFinished | EngineError):
            self._playback_over(event, now)

    def step_reached(self, step: str) -> None:
        """The trainee's script reached `step` (reported by the desk)."""
        self._feed(StepReached(step, self._clock()))

    def next_pressed(self) -> None:
        """The trainee or trainer pressed "next"."""
        self._feed(NextPressed(self._clock()))

    def tick(self) -> None:
        """Call about every 200 ms: starts queued lines, counts silence, hangs up after a closing line."""
        with self._lock:
            now = self._clock()
            if self._ended:
                return
            if self._rings_too_long(now) and self.call_id is not None:
                self._ended = True
                self.rang_out = True
                self.phone.hangup(self.call_id)
                return
            end = self._line_end(now)
            if end is not None:
                self._busy_until = None
                self._playing = None
                self.director.handle(SpeechEnded(now))
                if self._closing:
                    self._hangup_at = end + HANGUP_GRACE_S
            if self._busy_until is None and self._queue:
                self._start(self._queue.popleft(), now)
            if self._hangup_at is not None and now >= self._hangup_at and self.call_id is not None:
                self._ended = True
                self.phone.hangup(self.call_id)
                return
            if self._busy_until is None and not self._queue and not self._taken_over:
                self._queue.extend(self.director.handle(Tick(now)))
                if self._queue:
                    self._start(self._queue.popleft(), now)

    def _rings_too_long(self, now: float) -> bool:
        return (self.ring_timeout_s is not None and self.ring_timeout_s > 0 and not self._answered
                and self._dialed_at is not None and now >= self._dialed_at + self.ring_timeout_s)

    @property
    def taken_over(self) -> bool:
        """Whether a trainer plays the customer now (the simulated caller says nothing)."""
        return self._taken_over

    def take_over(self, on: bool) -> None:
        """A trainer takes the customer's role (`on`) or hands it back; lines cued meanwhile are dropped."""
        with self._lock:
            self._taken_over = on
            if on:
                self._queue.clear()
                self._busy_until = None
                self._playing = None
                stop = getattr(self.phone, "stop_playback", None)
                if callable(stop) and self.call_id is not None:
                    try:
                        stop(self.call_id)
                    except Exception as exc:  # the trainer speaks over it at worst
                        log.warning("could not stop playback: %s", exc)

    def hangup(self) -> None:
        """End the call now (trainer's stop)."""
        with self._lock:
            if self.call_id is not None and not self._ended:
                self._ended = True
                self.phone.hangup(self.call_id)

    # --- output ---------------------------------------------------------------------------------

    def _feed(self, event: DirectorEvent) -> None:
        with self._lock:
            if self._ended:
                return
            said = self.director.handle(event)
            if self._taken_over:
                return
            self._queue.extend(said)
            if self._busy_until is None and self._queue:
                self._start(self._queue.popleft(), event.at)

    def _playback_over(self, event: PlaybackFinished | EngineError, now: float) -> None:
        """The engine finished (or could not start) the WAV of the line being said."""
        with self._lock:
            playing = self._playing
            if playing is None:
                return
            if isinstance(event, EngineError):
                if event.command != "play_file":
                    return
            elif event.path != str(playing):  # a WAV replaced earlier reports "stopped" late
                return
            self._playing = None
            self._finished_at = now

    def _line_end(self, now: float) -> float | None:
        """When the line being said ended: its length has passed and the engine finished its WAV (or is
        late beyond PLAYBACK_LAG_S); None while it goes on."""
        if self._busy_until is None or now < self._busy_until:
            return None
        if self._playing is None:
            return max(self._busy_until, self._finished_at or self._busy_until)
        late = self._busy_until + PLAYBACK_LAG_S
        return late if now >= late else None

    def _start(self, say: Say, now: float) -> None:
        audio = self._audio.get(say.line_id)
        duration = wav_seconds(audio) if audio is not None else self._reading_time(say.text)
        self._playing, self._finished_at = None, None
        if audio is not None and self._play is not None and self.call_id is not None:
            try:
                self._play(self.call_id, audio)
                self._playing = audio
            except Exception as exc:  # the caption still shows; the call must go on
                log.warning("could not play %s: %s", audio, exc)
        self._busy_until = now + duration
        self._closing = say.hangup
        caption = Caption(call_id=self.call_id or "", line_id=say.line_id, text=say.text, mood=say.mood.value,
                          at=now, audio=audio if self._play is not None else None, hangup=say.hangup)
        self.captions.append(caption)
        if self.on_caption is not None:
            self.on_caption(caption)

    def _reading_time(self, text: str) -> float:
        return max(1.5, len(text) * SECONDS_PER_CHAR.get(self.scenario.language, 0.1))


# --- the process ---------------------------------------------------------------------------------


def _find_scenario(name: str) -> Scenario:
    from agent_tui.training.scenario import bundled_scenarios_dir, load_scenario, load_scenarios

    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return load_scenario(path)
    if path.suffix == ".json" and path.is_file():
        # A scenario as the backend served it (handed over by the console or the desk).
        return Scenario.model_validate_json(path.read_text(encoding="utf-8"))
    found = load_scenarios(bundled_scenarios_dir()).by_id().get(name)
    if found is None:
        raise SystemExit(f"no scenario {name!r}")
    return found


def _emit(out: IO[str], lock: threading.Lock, event: str, **fields: Any) -> None:
    with lock:
        out.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> int:
    """Run one simulated call as a process (see the module docstring)."""
    from agent_tui.phone.engine import PhoneEngine
    from agent_tui.phone.options import EngineOptions

    parser = argparse.ArgumentParser(prog="agent_tui.training.caller", description=__doc__)
    parser.add_argument("--scenario", required=True, help="scenario id, .toml file, or .json as served")
    parser.add_argument("--target", required=True, help="SIP URI of the trainee's desk")
    parser.add_argument("--customer-id", type=int, default=None)
    parser.add_argument("--attempt", default="", help="attempt id for X-Training-Attempt")
    parser.add_argument("--no-audio", action="store_true", help="captions only")
    parser.add_argument("--speech-cache", type=Path, default=None)
    parser.add_argument("--trainer-phone", default=None, metavar="URI",
                        help="the trainer's own softphone, joined to the call on a takeover")
    parser.add_argument("--ring-timeout", type=float, default=None, metavar="S",
                        help="give up a call still ringing after S seconds (default: ring until the desk "
                             "ends it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # A crash inside pjsua2 kills the process without a word: the threads' Python stacks go to stderr (the
    # caller's log file), so the next one says where it happened.
    faulthandler.enable(sys.stderr)
    scenario = _find_scenario(args.scenario)
    out_lock = threading.Lock()
    out = sys.stdout
    commands: queue.Queue[dict[str, Any]] = queue.Queue()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def read_commands() -> None:
        for raw in sys.stdin:
            with contextlib.suppress(ValueError):
                command = json.loads(raw)
                if isinstance(command, dict):
                    commands.put(command)
        commands.put({"cmd": "eof"})

    engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0)))

    def caption(item: Caption) -> None:
        _emit(out, out_lock, "caption", call_id=item.call_id, line=item.line_id, text=item.text,
              mood=item.mood, audio=str(item.audio) if item.audio else None, hangup=item.hangup)

    speech = None if args.no_audio else SpeechCache(args.speech_cache)
    caller = SimulatedCaller(scenario, engine, speech=speech, on_caption=caption,
                             ring_timeout_s=args.ring_timeout)
    caller.prepare()
    trainer = TrainerLeg(engine, args.trainer_phone,
                         lambda state: _emit(out, out_lock, "trainer_phone", state=state))

    def on_event(event: PhoneEvent) -> None:
        caller.on_phone_event(event)
        trainer.on_phone_event(event)
        if isinstance(event, CallState) and event.call_id == caller.call_id and event.state == "confirmed":
            _emit(out, out_lock, "answered", call_id=event.call_id)
        if isinstance(event, CallEnded) and event.call_id == caller.call_id:
            _emit(out, out_lock, "ended", call_id=event.call_id, reason=event.reason, code=event.code)
            stop.set()

    engine.set_listener(on_event)
    engine.start()
    threading.Thread(target=read_commands, name="caller-stdin", daemon=True).start()
    try:
        call_id = caller.dial(args.target, customer_id=args.customer_id, attempt_id=args.attempt)
        _emit(out, out_lock, "dialing", call_id=call_id, scenario=scenario.id,
              audio=caller.audio_problem or "wav")
        while not stop.is_set():
            try:
                command = commands.get(timeout=0.2)
            except queue.Empty:
                command = {}
            name = command.get("cmd")
            if name == "step" and isinstance(command.get("step"), str):
                caller.step_reached(command["step"])
            elif name == "next":
                caller.next_pressed()
            elif name in ("takeover", "release"):
                caller.take_over(name == "takeover")
                _emit(out, out_lock, "takeover", on=caller.taken_over)
                if caller.taken_over:
                    trainer.join(caller.call_id, args.attempt)
                else:
                    trainer.leave()
            elif name in ("hangup", "quit"):
                # Closed stdin ("eof") is not a command: the call goes on until it ends or SIGTERM.
                caller.hangup()
                if name == "quit":
                    stop.set()
            caller.tick()
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
