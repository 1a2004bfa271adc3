"""The simulated caller gives up a call that rings too long, like a real caller: the desk normally ends it
first at its ring timeout (480); the caller's own limit, a little later, ends it when the desk cannot (it
quit or froze while ringing), instead of ringing until the trainer's F7."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from agent_tui.phone.events import CallState
from agent_tui.training.caller import SimulatedCaller
from agent_tui.training.caller_process import RING_GRACE_S, ProcessLauncher, caller_argv, caller_ring_limit
from tests.support.sip_peers import BotFactory
from tests.support.waiting import JsonLineReader
from tests.training.test_caller import SCENARIOS, Clock, FakePhone


def test_a_call_ringing_past_the_limit_is_cancelled_and_an_answered_one_is_not() -> None:
    scenario = SCENARIOS["repair_wire_down_en"]
    phone, clock = FakePhone(can_play=False), Clock()
    caller = SimulatedCaller(scenario, phone, clock=clock, ring_timeout_s=5)
    call_id = caller.dial("sip:trainee@127.0.0.1:5060")
    clock.now += 4.9
    caller.tick()
    assert phone.hung_up == []
    clock.now += 0.2
    caller.tick()
    assert phone.hung_up == [call_id]
    assert caller.rang_out
    assert caller.ended

    answered_phone = FakePhone(can_play=False)
    answered = SimulatedCaller(scenario, answered_phone, clock=clock, ring_timeout_s=5)
    other = answered.dial("sip:trainee@127.0.0.1:5060")
    clock.now += 1
    answered.on_phone_event(CallState(call_id=other, state="confirmed"))
    clock.now += 60
    answered.tick()
    assert other not in answered_phone.hung_up
    assert not answered.rang_out


def test_the_limit_is_the_desk_ring_timeout_and_a_grace_and_reaches_the_process() -> None:
    assert caller_ring_limit(30.0) == 30.0 + RING_GRACE_S
    argv = caller_argv("s", "sip:a@b", "att", ring_timeout_s=12.5)
    assert argv[argv.index("--ring-timeout") + 1] == "12.5"
    assert "--ring-timeout" not in caller_argv("s", "sip:a@b", "att")
    assert ProcessLauncher(ring_timeout_s=7).ring_timeout_s == 7


@pytest.mark.peers
def test_the_caller_process_cancels_a_desk_that_rings_forever(bot_factory: BotFactory) -> None:
    # A desk that neither answers nor refuses (its own ring timeout off): only the caller can end it.
    desk = bot_factory("--answer-after", "600", "--ring-timeout", "0")
    proc = subprocess.Popen(
        [*caller_argv("repair_wire_down_en", desk.uri, "a1", audio=False, ring_timeout_s=1.5)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        start_new_session=True,
    )
    try:
        reader = JsonLineReader.of(proc, "training caller")
        reader.until(lambda e: e.get("event") == "dialing", 30)
        desk.next_event("incoming", 15)
        ended = reader.until(lambda e: e.get("event") == "ended", 30)[-1]
        assert not any(e.get("event") == "answered" for e in reader.seen)
        assert ended["code"] == 487 or ended["reason"]
        desk.next_event("ended", 15)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
