"""The simulated caller: IVR headers, lines spoken one after another as captions (and WAVs), hang-up
after the closing line; and a real call from the caller process to a SIP peer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_tui.phone.events import CallEnded, CallState, DtmfReceived
from agent_tui.training.caller import Caption, SimulatedCaller, ivr_headers
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.speech import SpeechCache
from tests.support.peers import require_binary
from tests.support.sip_peers import BotFactory
from tests.support.waiting import JsonLineReader

SCENARIOS = load_scenarios(bundled_scenarios_dir()).by_id()


class FakePhone:
    """Records what the caller asks of the engine."""

    def __init__(self, can_play: bool = True) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.hung_up: list[str] = []
        self.played: list[tuple[str, Path]] = []
        if can_play:
            self.play_file = self._play

    def make_call(self, uri: str, headers: dict[str, str] | None = None, account: str | None = None) -> str:
        self.calls.append((uri, dict(headers or {})))
        return f"call-{len(self.calls)}"

    def hangup(self, call_id: str) -> None:
        self.hung_up.append(call_id)

    def _play(self, call_id: str, path: Path) -> None:
        self.played.append((call_id, path))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ivr_headers_carry_the_scenario_and_mark_training() -> None:
    scenario = SCENARIOS["status_query_overdue_zh"]
    headers = ivr_headers(scenario, customer_id=42, attempt_id="att-7")
    assert headers == {
        "P-Asserted-Identity": "<sip:13588776655@training.invalid>",
        "X-Account": "3301030077889",
        "X-Training-Scenario": "status_query_overdue_zh",
        "X-Queue": "power-repair",
        "X-Customer-Id": "42",
        "X-Training-Attempt": "att-7",
        "X-Ticket-Id": "GD20240612000345",
    }


def test_captions_only_lines_queue_and_the_caller_hangs_up_after_the_closing_line() -> None:
    scenario = SCENARIOS["repair_wire_down_en"]
    phone = FakePhone(can_play=False)
    clock = Clock()
    shown: list[Caption] = []
    caller = SimulatedCaller(scenario, phone, on_caption=shown.append, clock=clock)
    caller.prepare()
    assert caller.audio_problem
    call_id = caller.dial("sip:trainee@127.0.0.1:5060")
    assert phone.calls[0][0] == "sip:trainee@127.0.0.1:5060"
    caller.step_reached("fault")
    caller.on_phone_event(CallState(call_id="someone-else", state="confirmed"))
    assert shown == []
    caller.on_phone_event(CallState(call_id=call_id, state="confirmed"))
    assert [c.line_id for c in shown] == ["opening"]
    assert shown[0].audio is None
    caller.step_reached("emergency")
    assert [c.line_id for c in shown] == ["opening"], "the next line waits until the opening is heard"
    clock.now += 30
    caller.tick()
    assert [c.line_id for c in shown] == ["opening", "hazard_details"]
    clock.now += 30
    caller.tick()
    for step in ("contact", "readback"):
        caller.step_reached(step)
        clock.now += 30
        caller.tick()
    caller.step_reached("submitted")
    assert [c.line_id for c in shown][-1] == "goodbye"
    assert shown[-1].hangup
    assert phone.hung_up == []
    clock.now += 30
    caller.tick()
    assert phone.hung_up == [call_id]
    assert caller.ended


def test_wavs_are_played_into_the_call_when_the_engine_can(tmp_path: Path) -> None:
    espeak = require_binary("espeak-ng", "espeak-ng")
    scenario = SCENARIOS["complaint_repair_slow_zh"]
    phone = FakePhone()
    clock = Clock()
    caller = SimulatedCaller(scenario, phone, speech=SpeechCache(tmp_path, espeak=espeak), clock=clock)
    caller.prepare()
    assert caller.audio_problem == ""
    call_id = caller.dial("sip:trainee@127.0.0.1")
    caller.on_phone_event(CallState(call_id=call_id, state="confirmed"))
    clock.now += 60
    caller.tick()
    caller.on_phone_event(DtmfReceived(call_id=call_id, digit="1"))
    assert [path.parent.parent for _, path in phone.played] == [tmp_path, tmp_path]
    assert [c.line_id for c in caller.captions] == ["opening", "angrier"]
    assert all(c.audio is not None and c.audio.is_file() for c in caller.captions)
    caller.on_phone_event(CallEnded(call_id=call_id, reason="BYE", code=200, duration_s=60.0))
    caller.step_reached("details")
    assert [c.line_id for c in caller.captions] == ["opening", "angrier"]
    assert phone.hung_up == [], "the trainee hung up: nothing left to hang up"


def test_silence_makes_the_caller_speak() -> None:
    scenario = SCENARIOS["repair_wire_down_zh"]
    clock = Clock()
    caller = SimulatedCaller(scenario, FakePhone(can_play=False), clock=clock)
    call_id = caller.dial("sip:t@127.0.0.1")
    caller.on_phone_event(CallState(call_id=call_id, state="confirmed"))
    clock.now += 10  # the opening's reading time
    caller.tick()
    clock.now += 7.9
    caller.tick()
    assert [c.line_id for c in caller.captions] == ["opening"]
    clock.now += 0.2
    caller.tick()
    assert [c.line_id for c in caller.captions] == ["opening", "still_there"]


@pytest.mark.peers
def test_the_caller_process_rings_a_real_peer_with_headers_and_speaks(bot_factory: BotFactory,
                                                                        tmp_path: Path) -> None:
    require_binary("espeak-ng", "espeak-ng")
    desk = bot_factory("--answer-after", "0.3", "--dtmf", "2")
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_tui.training.caller", "--scenario", "complaint_repair_slow_zh",
         "--target", desk.uri, "--speech-cache", str(tmp_path / "speech"), "--attempt", "a1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=env, start_new_session=True,
    )
    try:
        assert proc.stdin is not None
        reader = JsonLineReader.of(proc, "training caller")
        dialing = reader.until(lambda e: e.get("event") == "dialing", 30)[-1]
        assert dialing["audio"] == "wav"
        incoming = desk.next_event("incoming", 15)
        headers = incoming["headers"]
        assert headers["X-Training-Scenario"] == "complaint_repair_slow_zh"
        assert headers["X-Training-Attempt"] == "a1"
        assert headers["X-Account"] == "3301050098765"
        assert incoming["number"] == "13857112233"
        reader.until(lambda e: e.get("event") == "answered", 15)

        def caption(line: str, timeout: float = 30) -> dict[str, Any]:
            def said() -> dict[str, Any] | None:
                captions = (e for e in reader.seen if e.get("event") == "caption")
                return next((e for e in captions if e["line"] == line), None)

            if said() is None:
                reader.until(lambda e: e.get("event") == "caption" and e["line"] == line, timeout)
            found = said()
            assert found is not None
            return found

        opening = caption("opening")
        assert opening["text"].startswith("你们95598")
        # The desk's DTMF "2" (the trainer's keypad) calms the caller down, once the opening is heard.
        caption("calmer")
        lines = [e["line"] for e in reader.seen if e.get("event") == "caption"]
        assert lines == ["opening", "calmer"]
        proc.stdin.write(json.dumps({"cmd": "step", "step": "accepted"}) + "\n")
        proc.stdin.flush()
        assert caption("goodbye")["hangup"] is True
        reader.until(lambda e: e.get("event") == "ended", 30)
        desk.next_event("ended", 15)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
