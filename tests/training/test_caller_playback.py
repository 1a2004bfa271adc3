"""The simulated caller never cuts its own WAV off: the next line starts when the engine says the last
one finished playing, not when the WAV's length has passed on the wall clock.

Under CPU load the phone engine's media clock runs behind the wall clock, so a line's WAV may still be
playing when its length has passed. Starting the next WAV then replaced (and freed) a player the
conference bridge was still reading, and the caller process died of SIGSEGV in the middle of a practice
call (the trainee's call then never ended and no score card came). The rule: a line is over when its
length has passed and the engine reported `PlaybackFinished` for the call (or after a bounded lag, for
an engine that never reports), and the caller hangs up only once the closing line is over.
"""

from __future__ import annotations

import wave
from pathlib import Path

from agent_tui.domain.training import Scenario
from agent_tui.phone.events import CallState, EngineError, PlaybackFinished
from agent_tui.training.caller import HANGUP_GRACE_S, PLAYBACK_LAG_S, SimulatedCaller
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.speech import SpeechCache
from tests.training.test_caller import Clock, FakePhone

SCENARIO = load_scenarios(bundled_scenarios_dir()).by_id()["repair_wire_down_en"]
LINE_S = 2.0


class SilentLines(SpeechCache):
    """Every line as LINE_S seconds of silence (no espeak-ng needed)."""

    def prepare(self, scenario: Scenario) -> dict[str, Path]:
        made = {}
        for line in scenario.lines:
            path = self.folder / f"{line.id}.wav"
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(8000)
                wav.writeframes(b"\0\0" * int(8000 * LINE_S))
            made[line.id] = path
        return made


def answered_caller(tmp_path: Path) -> tuple[SimulatedCaller, FakePhone, Clock, str]:
    phone, clock = FakePhone(), Clock()
    caller = SimulatedCaller(SCENARIO, phone, speech=SilentLines(tmp_path), clock=clock)
    caller.prepare()
    call_id = caller.dial("sip:trainee@127.0.0.1")
    caller.on_phone_event(CallState(call_id=call_id, state="confirmed"))
    return caller, phone, clock, call_id


def played(phone: FakePhone) -> list[str]:
    return [path.stem for _, path in phone.played]


def finished(call_id: str, phone: FakePhone) -> PlaybackFinished:
    """The engine's report that the last WAV played into `call_id` reached its end."""
    return PlaybackFinished(call_id=call_id, path=str(phone.played[-1][1]))


def test_the_next_line_waits_for_the_engine_to_finish_the_last_wav(tmp_path: Path) -> None:
    caller, phone, clock, call_id = answered_caller(tmp_path)
    caller.step_reached("emergency")
    assert played(phone) == ["opening"]
    clock.now += LINE_S + 0.5  # the WAV's length has passed, but the engine still plays it (load)
    caller.tick()
    assert played(phone) == ["opening"], "the opening's WAV is still playing: it must not be replaced"
    caller.on_phone_event(PlaybackFinished(call_id="another-call", path="x.wav"))
    caller.tick()
    assert played(phone) == ["opening"], "another call's playback says nothing about ours"
    caller.on_phone_event(PlaybackFinished(call_id=call_id, path=str(tmp_path / "goodbye.wav"),
                                           reason="stopped"))
    caller.tick()
    assert played(phone) == ["opening"], "the report of another WAV says nothing about this one"
    caller.on_phone_event(finished(call_id, phone))
    caller.tick()
    assert played(phone) == ["opening", "hazard_details"]


def test_the_caller_hangs_up_only_after_the_closing_wav_was_heard(tmp_path: Path) -> None:
    caller, phone, clock, call_id = answered_caller(tmp_path)
    caller.on_phone_event(finished(call_id, phone))
    clock.now += LINE_S
    caller.tick()
    caller.step_reached("submitted")
    assert played(phone)[-1] == "goodbye"
    clock.now += LINE_S + HANGUP_GRACE_S + 1  # late engine: the goodbye still plays
    caller.tick()
    assert phone.hung_up == [], "hanging up now would cut the goodbye off"
    caller.on_phone_event(finished(call_id, phone))
    caller.tick()
    assert phone.hung_up == [], "the grace after the closing line counts from its end"
    clock.now += HANGUP_GRACE_S
    caller.tick()
    assert phone.hung_up == [call_id]


def test_an_engine_that_never_reports_delays_the_next_line_by_a_bounded_lag(tmp_path: Path) -> None:
    caller, phone, clock, _call_id = answered_caller(tmp_path)
    caller.step_reached("emergency")
    clock.now += LINE_S + PLAYBACK_LAG_S - 0.1
    caller.tick()
    assert played(phone) == ["opening"]
    clock.now += 0.2
    caller.tick()
    assert played(phone) == ["opening", "hazard_details"]


def test_a_wav_the_engine_could_not_play_ends_its_line_at_its_length(tmp_path: Path) -> None:
    caller, phone, clock, call_id = answered_caller(tmp_path)
    caller.step_reached("emergency")
    caller.on_phone_event(EngineError(message="cannot play", command="play_file", call_id=call_id))
    clock.now += LINE_S
    caller.tick()
    assert played(phone) == ["opening", "hazard_details"]
