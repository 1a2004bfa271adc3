"""Mid-call monitoring mode changes between two real engines, proven by what each party hears.

The supervisor's engine runs here; the agent and the customer are `agent-tui bot` processes. Tones
stand for voices: customer 440 Hz, agent 1000 Hz, supervisor 700 Hz. Each party's earpiece WAV
(`--earpiece`, `EngineOptions.earpiece_file`) holds what it hears, starting when its engine started,
so a wall-clock time maps onto the file. The supervisor switches listen → whisper → barge with
`change_monitor_mode` (INFO with a fresh token, no re-dial); a forged token gets 403 and changes
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_tui.phone.bot import MONITOR_KEY_ENV
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, CallStats, MonitorMode, MonitorModeChanged
from agent_tui.phone.monitor_token import make_token
from agent_tui.phone.options import EngineOptions
from tests.phone.conftest import Bots
from tests.phone.support import BotPeer, EventLog
from tests.support.audio_checks import TONE_ABSENT, TONE_HEARD, read_pcm, tone_peak, tone_presence
from tests.support.waiting import wait_for

KEY = "mode-change-test-key"
CUSTOMER, AGENT, SUPERVISOR = 440.0, 1000.0, 700.0
SETTLE_S = 0.5
"""Audio after a change that is not judged (the switch, jitter buffers)."""


@dataclass
class Phase:
    """One stretch of the call in one mode, in wall-clock seconds."""

    mode: MonitorMode
    start: float
    end: float = 0.0


@pytest.fixture
def supervisor(tmp_path: Path, events: EventLog) -> Iterator[tuple[PhoneEngine, float]]:
    """The supervisor's engine (sending 700 Hz) and the wall-clock time its earpiece WAV starts."""
    engine = PhoneEngine(EngineOptions(log_file=tmp_path / "sup-pjsip.log", stats_interval_s=0.5,
                                       earpiece_file=tmp_path / "supervisor.wav"), events)
    engine.start()
    started = time.time()
    engine.play_tone(SUPERVISOR)
    try:
        yield engine, started
    finally:
        engine.stop()


def hold(events: EventLog, call_id: str, reports: int = 3) -> None:
    """Let the call run for `reports` media reports (0.5 s each) in its current mode."""
    for _ in range(reports):
        events.wait(CallStats, call_id=call_id, timeout=10.0)


def switch(engine: PhoneEngine, events: EventLog, call_id: str, mode: MonitorMode, token: str
           ) -> MonitorModeChanged:
    """Ask for `mode` and wait for the agent's phone's answer."""
    engine.change_monitor_mode(call_id, mode, token)
    return events.wait(MonitorModeChanged, call_id=call_id, timeout=10.0)


def window(phase: Phase, zero: float) -> tuple[float, float]:
    """The phase as offsets into a WAV that started at `zero`."""
    return phase.start - zero + SETTLE_S, phase.end - zero - 0.2


def finished_wav(path: Path) -> Path:
    """The earpiece WAV once its process wrote the header (the bot has exited)."""
    wait_for(lambda: read_pcm(path).seconds > 0 or None, 5.0, interval=0.05, message=f"{path} written")
    return path


def test_listen_whisper_barge_by_info_and_a_forged_token_refused(
    supervisor: tuple[PhoneEngine, float], events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    engine, sup_zero = supervisor
    agent = bots.start("--tone", str(AGENT), "--earpiece", str(tmp_path / "agent.wav"),
                       env={MONITOR_KEY_ENV: KEY})
    customer = bots.start("--dial", agent.uri("agent"), "--tone", str(CUSTOMER),
                          "--earpiece", str(tmp_path / "customer.wav"))
    customer.until("answered")
    expires = time.time() + 60
    call_id = engine.make_call(agent.uri("agent"), {"X-Monitor": "listen",
                                                    "X-Monitor-Token": make_token(KEY, "listen", expires)})
    events.wait(CallState, call_id=call_id, state="confirmed", timeout=10.0)
    assert agent.until("monitor")["mode"] == "listen"
    phases = [Phase("listen", time.time())]
    hold(events, call_id)
    for mode in ("whisper", "barge"):
        answer = switch(engine, events, call_id, mode, make_token(KEY, mode, expires, "sup01"))
        assert (answer.ok, answer.code, answer.mode) == (True, 200, mode), answer
        assert agent.until("monitor")["mode"] == mode  # the agent's phone rewired
        phases[-1].end = time.time()
        phases.append(Phase(mode, time.time()))
        hold(events, call_id)
    # Forged, signed with another key, expired, and a listen token used for more: all 403.
    for bad, mode in (("forged.token", "listen"), (make_token("other-key", "listen", expires), "listen"),
                      (make_token(KEY, "listen", time.time() - 1), "listen"),
                      (make_token(KEY, "listen", expires), "whisper")):
        answer = switch(engine, events, call_id, mode, bad)  # type: ignore[arg-type]
        assert (answer.ok, answer.code) == (False, 403), answer
    hold(events, call_id)
    phases[-1].end = time.time()
    assert [e["mode"] for e in agent.events("monitor")] == ["listen", "whisper", "barge"]
    assert not events.of(CallEnded)  # one call all along: no re-dial
    engine.hangup(call_id)
    events.wait(CallEnded, call_id=call_id, timeout=10.0)
    assert customer.stop() == 0
    assert agent.stop() == 0
    engine.stop()

    heard = {
        "supervisor": (finished_wav(tmp_path / "supervisor.wav"), sup_zero),
        "agent": (finished_wav(tmp_path / "agent.wav"), started_at(agent)),
        "customer": (finished_wav(tmp_path / "customer.wav"), started_at(customer)),
    }
    expected = {  # who hears the supervisor, by mode; everyone else hears the two others always
        "listen": {"supervisor"},
        "whisper": {"supervisor", "agent"},
        "barge": {"supervisor", "agent", "customer"},
    }
    voices = {"customer": CUSTOMER, "agent": AGENT, "supervisor": SUPERVISOR}
    report: list[str] = []
    for phase in phases:
        for party, (path, zero) in heard.items():
            start, end = window(phase, zero)
            for speaker, hz in voices.items():
                if speaker == party:
                    continue
                presence = tone_presence(path, hz, start, end)
                peak = tone_peak(path, hz, start, end)
                should = speaker != "supervisor" or party in expected[phase.mode]
                if party == "supervisor":
                    should = True  # the supervisor hears both sides in every mode
                ok = presence > TONE_HEARD if should else peak < TONE_ABSENT
                if not ok:
                    report.append(f"{phase.mode}: {party} {'should' if should else 'should not'} hear "
                                  f"{speaker} (median share {presence:.3f}, peak {peak:.3f})")
    assert not report, report


def started_at(bot: BotPeer) -> float:
    """Wall-clock time when the bot's engine (and its earpiece WAV) started."""
    return float(bot.started["t"])
