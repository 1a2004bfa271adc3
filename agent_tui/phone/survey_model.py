"""What the keypad survey and the voicemail service do on one call: plain state, no pjsua2.

`SurveyCall` asks for a 1-5 score, takes the first key pressed (during the prompt too: callers who
know the menu need not wait), asks again after a wrong key or silence (`retries` times), thanks the
caller and hangs up. `VoicemailCall` plays the prompt and a beep, records until the caller hangs up
or `max_s` runs out. Each `apply`-style method returns the actions for the service to carry out, so
every rule is tested without a phone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from agent_tui.domain.voice import SCORE_MAX, SCORE_MIN


class Prompt(enum.StrEnum):
    """The recorded prompts, by what they are for."""

    ASK = "ask"
    """The survey's question: press 1-5."""
    INVALID = "invalid"
    """A key outside 1-5: says so and asks the question again."""
    THANKS = "thanks"
    """A score was given."""
    GOODBYE = "goodbye"
    """No score after the last try."""
    LEAVE_MESSAGE = "leave_message"
    """Voicemail: leave a message after the tone."""
    BEEP = "beep"
    """Voicemail: the tone that starts the recording."""


@dataclass(frozen=True)
class Play:
    """Play a prompt into the call (replacing what plays)."""

    prompt: Prompt


@dataclass(frozen=True)
class Wait:
    """(Re)arm the call's one timer: `expired()` runs after `seconds` unless re-armed or cancelled."""

    seconds: float


@dataclass(frozen=True)
class Hangup:
    """End the call."""


@dataclass(frozen=True)
class StoreScore:
    """Send the score to the backend against the original call, with the token the transfer carried."""

    record_id: str
    score: int
    method: str
    token: str = ""
    """The survey token (empty: none came; the backend refuses the score)."""


@dataclass(frozen=True)
class StartRecording:
    """Voicemail: start recording what the caller says."""


@dataclass(frozen=True)
class StoreVoicemail:
    """Voicemail: the recording is finished; upload it."""


Action = Play | Wait | Hangup | StoreScore | StartRecording | StoreVoicemail


class Step(enum.StrEnum):
    """Where a call stands."""

    ASKING = "asking"
    THANKING = "thanking"
    """Playing the thanks or the goodbye; then hang up."""
    RECORDING = "recording"
    GREETING = "greeting"
    """Voicemail: playing the prompt and the beep."""
    DONE = "done"


@dataclass
class SurveyCall:
    """One caller in the survey. `record_id` is the original call's id (the transfer's X-Call-Id), `token`
    the survey token that lets it be scored (X-Survey-Token): both only passed on, the backend checks."""

    record_id: str | None
    token: str = ""
    retries: int = 2
    """How many times the question is asked again after a wrong key or silence."""
    answer_s: float = 10.0
    """Seconds of silence after the question before asking again."""
    step: Step = Step.ASKING
    score: int | None = None
    asked: int = 0
    prompt_playing: bool = False
    invalid: list[str] = field(default_factory=list)
    """Keys pressed that were no answer (for the log)."""

    def start(self) -> list[Action]:
        """The call is answered: ask."""
        return self._ask(Prompt.ASK)

    def _ask(self, prompt: Prompt) -> list[Action]:
        self.asked += 1
        self.prompt_playing = True
        return [Play(prompt)]

    def digit(self, digit: str, method: str = "rfc2833") -> list[Action]:
        """A key was pressed."""
        if self.step != Step.ASKING:
            return []
        if digit.isdigit() and SCORE_MIN <= int(digit) <= SCORE_MAX:
            self.score = int(digit)
            self.step = Step.THANKING
            self.prompt_playing = True
            stored: list[Action] = []
            if self.record_id:
                stored = [StoreScore(self.record_id, self.score, method, self.token)]
            return [*stored, Play(Prompt.THANKS)]
        self.invalid.append(digit)
        return self._again(Prompt.INVALID)

    def _again(self, prompt: Prompt) -> list[Action]:
        if self.asked > self.retries:
            self.step = Step.THANKING
            self.prompt_playing = True
            return [Play(Prompt.GOODBYE)]
        return self._ask(prompt)

    def playback_finished(self) -> list[Action]:
        """The prompt that played has ended."""
        self.prompt_playing = False
        if self.step == Step.THANKING:
            self.step = Step.DONE
            return [Hangup()]
        if self.step == Step.ASKING:
            return [Wait(self.answer_s)]
        return []

    def expired(self) -> list[Action]:
        """The caller said nothing for `answer_s` after the question."""
        if self.step != Step.ASKING or self.prompt_playing:
            return []
        return self._again(Prompt.ASK)

    def ended(self) -> list[Action]:
        """The caller hung up (nothing more to do: a score given was already stored)."""
        self.step = Step.DONE
        return []


@dataclass
class VoicemailCall:
    """One caller leaving a message: prompt, beep, record until hang-up or `max_s`."""

    max_s: float = 120.0
    step: Step = Step.GREETING
    played: list[Prompt] = field(default_factory=list)

    def start(self) -> list[Action]:
        """The call is answered: say what to do."""
        self.played.append(Prompt.LEAVE_MESSAGE)
        return [Play(Prompt.LEAVE_MESSAGE)]

    def playback_finished(self) -> list[Action]:
        """A prompt ended: after the words the beep, after the beep the recording."""
        if self.step != Step.GREETING:
            return []
        if self.played[-1] == Prompt.LEAVE_MESSAGE:
            self.played.append(Prompt.BEEP)
            return [Play(Prompt.BEEP)]
        self.step = Step.RECORDING
        return [StartRecording(), Wait(self.max_s)]

    def digit(self, digit: str) -> list[Action]:
        """`#` ends the message early (as on every voicemail system); other keys are ignored."""
        if digit == "#" and self.step == Step.RECORDING:
            return self._finish(hang_up=True)
        return []

    def expired(self) -> list[Action]:
        """The longest message allowed is recorded."""
        if self.step != Step.RECORDING:
            return []
        return self._finish(hang_up=True)

    def ended(self) -> list[Action]:
        """The caller hung up: what was recorded is the message (none if they left before the beep)."""
        if self.step == Step.RECORDING:
            return self._finish(hang_up=False)
        self.step = Step.DONE
        return []

    def _finish(self, hang_up: bool) -> list[Action]:
        self.step = Step.DONE
        return [StoreVoicemail(), Hangup()] if hang_up else [StoreVoicemail()]
