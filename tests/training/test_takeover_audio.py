"""A trainer's takeover joins the trainer's own softphone to the training call: each hears the other.

Real SIP on loopback: the trainee's desk and the trainer's phone are `agent-tui bot`s sending
different tones and recording their calls; the simulated caller is the real caller process (captions
only, so the only sounds are the two tones).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_tui.phone.events import CallEnded, CallState
from agent_tui.training.trainer_leg import TrainerLeg
from tests.support.audio_checks import TONE_HEARD, read_pcm, tone_presence
from tests.support.sip_peers import BotFactory
from tests.support.waiting import JsonLineReader

TRAINEE_HZ = 600.0
TRAINER_HZ = 1000.0
JOINED_S = 3.0


class Phone:
    """Records what a `TrainerLeg` asks of the engine."""

    def __init__(self) -> None:
        self.dialed: list[tuple[str, dict[str, str] | None]] = []
        self.hung_up: list[str] = []
        self.mixed: list[tuple[str, str]] = []

    def make_call(self, uri: str, headers: dict[str, str] | None = None, account: str | None = None) -> str:
        self.dialed.append((uri, headers))
        return f"leg{len(self.dialed)}"

    def hangup(self, call_id: str) -> None:
        self.hung_up.append(call_id)

    def conference(self, a: str, b: str) -> None:
        self.mixed.append((a, b))


def test_the_leg_rings_once_joins_when_answered_and_ends_with_the_trainee() -> None:
    phone = Phone()
    states: list[str] = []
    leg = TrainerLeg(phone, "sip:trainer01@pbx", states.append)
    leg.join("c1", "a1")
    leg.join("c1", "a1")
    assert phone.dialed == [("sip:trainer01@pbx", {"X-Training-Takeover": "a1"})]
    leg.on_phone_event(CallState(call_id="leg1", state="confirmed"))
    assert phone.mixed == [("c1", "leg1")]
    leg.on_phone_event(CallEnded(call_id="c1", reason="BYE", code=200, duration_s=5.0))
    assert phone.hung_up == ["leg1"]
    leg.on_phone_event(CallEnded(call_id="leg1", reason="BYE", code=200, duration_s=3.0))
    assert states == ["ringing", "joined", "ended"]
    assert leg.call_id is None


def test_without_a_trainer_phone_a_takeover_only_silences_the_caller() -> None:
    phone = Phone()
    states: list[str] = []
    leg = TrainerLeg(phone, None, states.append)
    leg.join("c1", "a1")
    leg.leave()
    assert phone.dialed == []
    assert states == []


@pytest.mark.peers
def test_trainer_and_trainee_hear_each_other_after_a_takeover(bot_factory: BotFactory,
                                                               tmp_path: Path) -> None:
    trainee = bot_factory("--answer-after", "0.2", "--tone", str(TRAINEE_HZ),
                          "--record", str(tmp_path / "trainee"))
    trainer = bot_factory("--answer-after", "0.2", "--hangup-after", str(JOINED_S), "--tone", str(TRAINER_HZ),
                          "--record", str(tmp_path / "trainer"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_tui.training.caller", "--scenario", "repair_wire_down_en",
         "--target", trainee.uri, "--attempt", "a42", "--no-audio", "--trainer-phone", trainer.uri],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=dict(os.environ), start_new_session=True,
    )
    try:
        assert proc.stdin is not None
        reader = JsonLineReader.of(proc, "training caller")

        def send(command: dict[str, Any]) -> None:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(command) + "\n")
            proc.stdin.flush()

        reader.until(lambda e: e.get("event") == "answered", 30)
        send({"cmd": "takeover"})
        reader.until(lambda e: e.get("event") == "trainer_phone" and e["state"] == "joined", 30)
        assert trainer.next_event("incoming", 5)["headers"]["X-Training-Takeover"] == "a42"
        # The trainer's phone hangs up after JOINED_S; then the trainer ends the training call.
        reader.until(lambda e: e.get("event") == "trainer_phone" and e["state"] == "ended", 30)
        send({"cmd": "hangup"})
        reader.until(lambda e: e.get("event") == "ended", 30)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    heard_by_trainer = read_pcm(Path(trainer.next_event("recording", 15)["path"]))
    heard_by_trainee = read_pcm(Path(trainee.next_event("recording", 15)["path"]))
    # The trainer's whole call was joined; the trainee's call ended just after the trainer's leg did.
    assert tone_presence(heard_by_trainer, TRAINEE_HZ, 0.5, JOINED_S - 0.3) > TONE_HEARD
    end = heard_by_trainee.seconds
    assert tone_presence(heard_by_trainee, TRAINER_HZ, end - JOINED_S + 0.7, end - 0.6) > TONE_HEARD
