"""The simulated caller's brain: which line to say next, given what the trainee does.

A pure state machine with no SIP and no clock of its own: every event carries its time (seconds on any
monotonic clock), so tests drive it directly. `Director.handle(event)` returns the lines to say now, in
order; the SIP side (`agent_tui.training.caller`) speaks them and shows them as captions.

Cues (see `agent_tui.domain.training.Cue`):
- answer: every answer line, in file order, when the call is answered;
- step: once, the first time the trainee's script reaches that step (a step reached before the answer
  is remembered and spoken right after the answer lines);
- dtmf: every time the digit arrives (the trainer's keypad: make the caller angrier, calmer...);
- next: the next unused next-line, in file order, when "next" is pressed;
- silence: after `after_s` seconds without any line or action; a silence line resets the count, and
  says itself again only when it has `repeat`.
A line with `hangup` ends the call once it has been said; nothing is said after the call ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_tui.domain.training import Cue, Line, Mood, Scenario


@dataclass(frozen=True)
class Answered:
    """The trainee answered the call."""

    at: float


@dataclass(frozen=True)
class StepReached:
    """The trainee's script moved to `step`."""

    step: str
    at: float


@dataclass(frozen=True)
class DtmfPressed:
    """A DTMF digit arrived from the trainee's side."""

    digit: str
    at: float


@dataclass(frozen=True)
class NextPressed:
    """The trainee or trainer pressed "next": the caller answers what was just asked."""

    at: float


@dataclass(frozen=True)
class SpeechEnded:
    """The caller finished speaking a line: silence counts from here."""

    at: float


@dataclass(frozen=True)
class Tick:
    """Time passes (sent about once a second): silence lines fire from this."""

    at: float


@dataclass(frozen=True)
class HungUp:
    """The call ended from the trainee's side (or the network)."""

    at: float


DirectorEvent = Answered | StepReached | DtmfPressed | NextPressed | SpeechEnded | Tick | HungUp


@dataclass(frozen=True)
class Say:
    """A line to speak now: its text (also the caption), mood, and whether to hang up after it."""

    line_id: str
    text: str
    mood: Mood
    cue: Cue
    at: float
    hangup: bool = False


@dataclass
class _State:
    answered: bool = False
    ended: bool = False
    last_activity: float = 0.0
    steps_seen: list[str] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    next_index: int = 0


class Director:
    """Decides the simulated caller's lines for one call of one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.transcript: list[Say] = []
        """Every line said, in order: the captions and the review transcript."""
        self._state = _State()
        self._by_cue: dict[Cue, list[Line]] = {cue: [] for cue in Cue}
        for line in scenario.lines:
            self._by_cue[line.cue].append(line)

    @property
    def answered(self) -> bool:
        """Whether the call was answered."""
        return self._state.answered

    @property
    def ended(self) -> bool:
        """Whether the call is over (the caller hung up after a line, or the trainee did)."""
        return self._state.ended

    @property
    def steps_seen(self) -> list[str]:
        """The steps the trainee reached, in order of first arrival."""
        return list(self._state.steps_seen)

    def handle(self, event: DirectorEvent) -> list[Say]:
        """The lines to say in reaction to `event`, in order (often none)."""
        state = self._state
        if state.ended:
            return []
        if isinstance(event, HungUp):
            state.ended = True
            return []
        if isinstance(event, StepReached):
            return self._step(event)
        if isinstance(event, Answered):
            if state.answered:
                return []
            state.answered = True
            lines = list(self._by_cue[Cue.ANSWER])
            # Steps the desk reached while the call was still ringing (the screen pop) speak now.
            for step in state.steps_seen:
                lines += self._step_lines(step)
            return self._say(lines, event.at)
        if not state.answered:
            return []
        if isinstance(event, SpeechEnded):
            state.last_activity = max(state.last_activity, event.at)
            return []
        if isinstance(event, DtmfPressed):
            return self._say([line for line in self._by_cue[Cue.DTMF] if line.digit == event.digit], event.at)
        if isinstance(event, NextPressed):
            return self._next(event.at)
        return self._silence(event.at)

    def _step(self, event: StepReached) -> list[Say]:
        state = self._state
        if event.step in state.steps_seen:
            return []
        state.steps_seen.append(event.step)
        if not state.answered:
            return []
        lines = self._step_lines(event.step)
        if not lines:
            # A step without its own line still counts as the trainee doing something.
            state.last_activity = max(state.last_activity, event.at)
        return self._say(lines, event.at)

    def _step_lines(self, step: str) -> list[Line]:
        said = self._state.said
        return [line for line in self._by_cue[Cue.STEP] if line.step == step and line.id not in said]

    def _next(self, at: float) -> list[Say]:
        state = self._state
        pending = self._by_cue[Cue.NEXT]
        while state.next_index < len(pending):
            line = pending[state.next_index]
            state.next_index += 1
            if line.id not in state.said:
                return self._say([line], at)
        state.last_activity = max(state.last_activity, at)
        return []

    def _silence(self, at: float) -> list[Say]:
        state = self._state
        quiet = at - state.last_activity
        for line in self._by_cue[Cue.SILENCE]:
            due = line.after_s is not None and quiet >= line.after_s
            if due and (line.repeat or line.id not in state.said):
                return self._say([line], at)
        return []

    def _say(self, lines: list[Line], at: float) -> list[Say]:
        state = self._state
        said: list[Say] = []
        for line in lines:
            say = Say(line_id=line.id, text=line.text, mood=line.mood or self.scenario.mood, cue=line.cue,
                      at=at, hangup=line.hangup)
            said.append(say)
            state.said.add(line.id)
            if line.hangup:
                state.ended = True
                break
        state.last_activity = max(state.last_activity, at)
        self.transcript.extend(said)
        return said
