"""What each party hears while a supervisor listens, whispers and barges, through Kamailio.

A ghost agent (`agent-tui bot --backend ... --earpiece FILE`) registered at Kamailio takes a call
from a customer bot; the supervisor's phone (the engine, in this process, as the monitor UI drives
it) monitors it with tokens from the real backend and switches mode within the call (INFO through
Kamailio, a fresh token each time, no re-dial). Tones stand for voices: customer 440 Hz, agent
1000 Hz, supervisor 700 Hz. Every party records its earpiece (what it hears, from its engine's
start), so the agent's side is proven too: in listen nobody but the supervisor hears the supervisor,
in whisper the agent does and the customer does not, in barge all three hear each other.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, CallStats, MonitorMode, MonitorModeChanged
from agent_tui.phone.monitor_token import make_token
from agent_tui.phone.options import EngineOptions
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.phone.support import EventLog
from tests.supervision_e2e.conftest import AGENT_TONE, CUSTOMER_TONE, QUEUE, SUPERVISOR_TONE, _isolate
from tests.support.audio_checks import TONE_ABSENT, TONE_HEARD, read_pcm, tone_peak, tone_presence
from tests.support.peers import require_binary
from tests.support.sip_peers import AgentBot, BotFactory, Kamailio, free_port
from tests.support.waiting import wait_for

AGENT, EXTENSION = "agent07", "1007"
SETTLE_S = 0.5
"""Audio right after a mode change that is not judged (the switch itself, jitter buffers)."""


@dataclass
class Desk:
    """The pieces of one monitored call."""

    backend: RealBackend
    kamailio: Kamailio
    bots: BotFactory
    ghost: AgentBot
    workdir: Path


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """Backend, Kamailio and one ghost agent recording its earpiece; all stopped by pid afterwards."""
    kamailio_bin = require_binary("kamailio", "kamailio")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, tmp_path / "home")
        mp.setenv("AGENT_TUI_PASSWORD", DEMO_PASSWORD)  # the ghost's backend password (test data)
        backend = RealBackend(tmp_path / "backend", port=free_port())
        backend.workdir.mkdir()
        kamailio = Kamailio(kamailio_bin, tmp_path / "kamailio")
        kamailio.workdir.mkdir()
        bots = BotFactory(tmp_path / "bots")
        try:
            backend.start()
            kamailio.start()
            ghost = bots("--backend", backend.url, "--user", AGENT, "--tone", str(AGENT_TONE),
                         "--answer-after", "0.3", "--stats-interval", "1",
                         "--earpiece", str(tmp_path / "agent.wav"), user=EXTENSION, registrar=kamailio,
                         start=False)
            ghost.start(timeout=30.0)
            ghost.next_event("state", 15.0, where=lambda e: e["state"] == "ready")
            yield Desk(backend, kamailio, bots, ghost, tmp_path)
        finally:
            bots.stop_all()
            kamailio.stop()
            backend.stop()
    leftovers = [*bots.leftover_pids(), *kamailio.leftover_pids(), *backend.leftover_pids()]
    assert not leftovers, f"processes left running: {leftovers}"


@dataclass
class Phase:
    """A stretch of the call in one mode, in wall-clock seconds."""

    mode: MonitorMode
    start: float
    end: float = 0.0


def login(backend: RealBackend, username: str = "sup01") -> httpx.Client:
    """A REST client logged in as `username`."""
    client = httpx.Client(base_url=backend.url, timeout=10.0)
    response = client.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


def monitor_token(sup: httpx.Client, mode: str) -> dict[str, Any]:
    """A monitor token for `mode` on the agent, from the backend (audited there)."""
    response = sup.post("/v1/interventions", json={"kind": mode, "agent": AGENT})
    assert response.status_code == 202, response.text
    token: dict[str, Any] = response.json()["monitor"]
    return token


def hold(events: EventLog, call_id: str, reports: int = 4) -> None:
    """Let the call run for `reports` media reports (0.5 s each) in its current mode."""
    for _ in range(reports):
        events.wait(CallStats, call_id=call_id, timeout=10.0)


def wav(path: Path) -> Path:
    """The earpiece WAV once its engine stopped and wrote the header."""
    wait_for(lambda: read_pcm(path).seconds > 0 or None, 5.0, interval=0.05, message=f"{path} finished")
    return path


def test_each_party_hears_what_the_mode_allows(desk: Desk) -> None:
    sup = login(desk.backend)
    events = EventLog()
    engine = PhoneEngine(EngineOptions(log_file=desk.workdir / "sup-pjsip.log", stats_interval_s=0.5,
                                       earpiece_file=desk.workdir / "supervisor.wav"), events)
    engine.start()
    sup_zero = time.time()
    try:
        engine.play_tone(SUPERVISOR_TONE)
        customer = desk.bots("--dial", desk.kamailio.uri(EXTENSION), "--tone", str(CUSTOMER_TONE),
                             "--header", f"X-Queue={QUEUE}", "--earpiece", str(desk.workdir / "customer.wav"))
        customer.next_event("answered", 15.0)
        token = monitor_token(sup, "listen")
        call_id = engine.make_call(desk.kamailio.uri(token["sip_target"]),
                                   {"X-Monitor": "listen", "X-Monitor-Token": token["token"]})
        events.wait(CallState, call_id=call_id, state="confirmed", timeout=15.0)
        assert desk.ghost.next_event("monitored", 10.0)["mode"] == "listen"
        phases = [Phase("listen", time.time())]
        hold(events, call_id)
        for mode in ("whisper", "barge"):
            engine.change_monitor_mode(call_id, mode, monitor_token(sup, mode)["token"])
            answer = events.wait(MonitorModeChanged, call_id=call_id, timeout=10.0)
            assert (answer.ok, answer.code) == (True, 200), answer
            assert desk.ghost.next_event("monitored", 10.0)["mode"] == mode
            phases[-1].end = time.time()
            phases.append(Phase(mode, time.time()))
            hold(events, call_id)
        # A token the backend did not sign is refused through Kamailio too; barge stays.
        engine.change_monitor_mode(call_id, "listen", make_token("not-the-key", "listen", time.time() + 60))
        refused = events.wait(MonitorModeChanged, call_id=call_id, timeout=10.0)
        assert (refused.ok, refused.code) == (False, 403), refused
        hold(events, call_id, 2)
        phases[-1].end = time.time()
        assert not events.of(CallEnded)  # one monitoring call all along
        engine.hangup(call_id)
        events.wait(CallEnded, call_id=call_id, timeout=10.0)
        desk.ghost.next_event("unmonitored", 10.0)
        assert customer.stop() == 0
        assert desk.ghost.stop() == 0
    finally:
        with contextlib.suppress(Exception):
            engine.stop()
        sup.close()
    items = login(desk.backend).get("/v1/audit", params={"limit": 50}).json()["items"]
    audited = [item["action"] for item in items if item.get("agent") == AGENT]
    assert {"listen", "whisper", "barge"} <= set(audited), audited

    heard = {
        "supervisor": (wav(desk.workdir / "supervisor.wav"), sup_zero),
        "agent": (wav(desk.workdir / "agent.wav"), float(desk.ghost.events("started")[0]["t"])),
        "customer": (wav(desk.workdir / "customer.wav"), float(customer.events("started")[0]["t"])),
    }
    hears_supervisor = {"listen": {"supervisor"}, "whisper": {"supervisor", "agent"},
                        "barge": {"supervisor", "agent", "customer"}}
    voices = {"customer": CUSTOMER_TONE, "agent": AGENT_TONE, "supervisor": SUPERVISOR_TONE}
    wrong: list[str] = []
    for phase in phases:
        for party, (path, zero) in heard.items():
            start, end = phase.start - zero + SETTLE_S, phase.end - zero - 0.2
            for speaker, hz in voices.items():
                if speaker == party:
                    continue  # nobody hears himself (no sidetone)
                should = speaker != "supervisor" or party in hears_supervisor[phase.mode]
                presence, peak = tone_presence(path, hz, start, end), tone_peak(path, hz, start, end)
                if (presence <= TONE_HEARD) if should else (peak >= TONE_ABSENT):
                    verb = "should" if should else "should not"
                    wrong.append(f"{phase.mode}: {party} {verb} hear {speaker} (median share "
                                 f"{presence:.3f}, peak {peak:.3f}, {start:.1f}-{end:.1f} s)")
    assert not wrong, wrong
