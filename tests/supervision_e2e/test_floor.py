"""Supervision end to end through Kamailio: ghost agents, callers, a supervisor's phone, the real backend.

Tones stand for voices: the customer 440 Hz, the agent 1000 Hz, the supervisor 700 Hz. Recordings
are those of each party's own phone (what it heard plus what it sent, as pjsua2 records a call).
Role checks of every supervisor endpoint for an agent's token are in tests/server/test_roles.py
(`test_role_matrix`); here one agent token is tried on the real process for the interventions.
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent_tui.phone.monitor_token import make_token
from tests.supervision_e2e.conftest import (
    AGENT_TONE,
    CUSTOMER_TONE,
    QUEUE,
    SUPERVISOR_TONE,
    Floor,
    wait_ready,
)
from tests.support.audio_checks import read_pcm, tone_power
from tests.support.sip_peers import AgentBot, free_port
from tests.support.waiting import wait_for

HEARD = 0.05
"""Share of a recording's energy at a tone above which the tone is there (a pure mix of two is ~0.4)."""
NOT_HEARD = 0.01


def shares(path: Path, hz: float, start: float, end: float, chunk: float = 0.1) -> list[float]:
    """The tone's share of the energy in each `chunk` of the window, sorted.

    Short chunks, because a jitter buffer that drops or repeats a frame shifts the phase: Goertzel
    over a long window then cancels itself out, though the tone is plainly there.
    """
    pcm = read_pcm(path)
    values = [tone_power(pcm, hz, t, t + chunk) for t in
              (start + i * chunk for i in range(int((end - start) / chunk)))]
    return sorted(values)


def heard(path: Path, hz: float, start: float, end: float) -> float:
    """The median chunk share: the tone is there most of the time when it is above `HEARD`."""
    values = shares(path, hz, start, end)
    return values[len(values) // 2]


def loudest(path: Path, hz: float, start: float, end: float) -> float:
    """The 90th-percentile chunk share: below `NOT_HEARD`, the tone is absent all along."""
    values = shares(path, hz, start, end)
    return values[int(len(values) * 0.9)]


def intervene(sup: httpx.Client, kind: str, agent: str, **fields: Any) -> httpx.Response:
    return sup.post("/v1/interventions", json={"kind": kind, "agent": agent, **fields})


def recording_of(bot: AgentBot) -> Path:
    return Path(bot.next_event("recording", 10.0)["path"])


def ack_of(floor: Floor, agent: str, command_id: int) -> dict[str, Any]:
    return floor.ghosts[agent].next_event("ack", 20.0, where=lambda e: e["command_id"] == command_id)


def audit_done(sup: httpx.Client, command_id: int) -> bool:
    """Wait until the audit trail has the command acknowledged (the ghost's ack is delivered after
    its JSON line); True when done, False when failed."""
    def acknowledged() -> str | None:
        items = sup.get("/v1/audit", params={"limit": 200}).json()["items"]
        status = next(item["status"] for item in items if item["command_id"] == command_id)
        return str(status) if status != "sent" else None

    return wait_for(acknowledged, 10.0, interval=0.05, message=f"the ack of command {command_id}") == "done"


def connect(floor: Floor, sup: httpx.Client, agent: str) -> tuple[AgentBot, dict[str, Any]]:
    """A customer calls the agent's extension; returns the customer and the agent's on-call state."""
    wait_ready(floor, sup, agent)
    customer = floor.customer(floor.ghosts[agent].user or "")
    answered = customer.next_event("answered", 15.0)
    state = floor.wait_state(sup, agent, "on_call")
    return customer, {**state, "answered_t": answered["t"]}


def test_supervisor_listens_whispers_and_barges(floor: Floor) -> None:
    """Three calls at once, one per mode; recordings show who heard whom."""
    sup = floor.http()
    modes = {"listen": "agent01", "whisper": "agent02", "barge": "agent04"}
    calls = {mode: connect(floor, sup, agent) for mode, agent in modes.items()}
    for (customer, state), agent in zip(calls.values(), modes.values(), strict=True):
        assert state["call_id"]  # the wallboard has the current call
        assert state["queue"] == QUEUE
        ghost_incoming = floor.ghosts[agent].events("incoming")[-1]
        assert state["call_id"] == ghost_incoming["call_id"]
        assert customer.alive
    supervisors: dict[str, AgentBot] = {}
    for mode, agent in modes.items():
        result = intervene(sup, mode, agent)
        assert result.status_code == 202, result.text
        token = result.json()["monitor"]
        assert token["sip_target"] == floor.ghosts[agent].user
        supervisors[mode] = floor.bots(
            "--dial", floor.kamailio.uri(token["sip_target"]), "--tone", str(SUPERVISOR_TONE),
            "--header", f"X-Monitor={mode}", "--header", f"X-Monitor-Token={token['token']}",
            "--stats-interval", "1")
    joined: dict[str, float] = {}
    for mode, agent in modes.items():
        joined[mode] = supervisors[mode].next_event("answered", 15.0)["t"]
        monitored = floor.ghosts[agent].next_event("monitored", 10.0)
        assert monitored["mode"] == mode
        assert monitored["target"] == calls[mode][1]["call_id"]
    for bot in supervisors.values():  # two media reports: two seconds of monitored audio at least
        bot.next_event("stats", 10.0)
        bot.next_event("stats", 10.0)
        bot.next_event("stats", 10.0)
    left: dict[str, float] = {}
    for mode, bot in supervisors.items():  # all hang up at once: SIGTERM first, then wait for each
        left[mode] = time.time()
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)
    for bot in supervisors.values():
        assert bot.stop() == 0
    for agent in modes.values():
        floor.ghosts[agent].next_event("unmonitored", 10.0)
    customers = {mode: call[0] for mode, call in calls.items()}
    for bot in customers.values():
        assert bot.stop() == 0

    for mode, bot in supervisors.items():  # the supervisor hears both sides, in every mode
        path = recording_of(bot)
        end = read_pcm(path).seconds - 0.3
        assert end > 2.0, (mode, end)
        customer_share = heard(path, CUSTOMER_TONE, 0.3, end)
        agent_share = heard(path, AGENT_TONE, 0.3, end)
        assert customer_share > HEARD, (mode, customer_share)
        assert agent_share > HEARD, (mode, agent_share)
    for mode, bot in customers.items():
        path = recording_of(bot)
        start = joined[mode] - calls[mode][1]["answered_t"] + 0.6
        end = left[mode] - calls[mode][1]["answered_t"] - 0.3
        assert end - start > 1.0, (mode, start, end)
        agent_share = heard(path, AGENT_TONE, start, end)
        assert agent_share > HEARD, (mode, agent_share)  # the customer hears the agent all along
        if mode == "barge":
            assert heard(path, SUPERVISOR_TONE, start, end) > HEARD
        else:
            assert loudest(path, SUPERVISOR_TONE, start, end) < NOT_HEARD, mode
    audit = sup.get("/v1/audit", params={"action": "whisper"}).json()["items"]
    assert audit
    assert audit[0]["agent"] == "agent02"


def test_force_release_ends_the_agents_call(floor: Floor) -> None:
    sup = floor.http()
    customer, state = connect(floor, sup, "agent05")
    result = intervene(sup, "force_release", "agent05")
    assert result.status_code == 202, result.text
    command_id = result.json()["command_id"]
    ack = ack_of(floor, "agent05", command_id)
    assert ack["ok"], ack
    ended = customer.next_event("ended", 10.0)
    assert ended["reason"] == "remote hangup"
    floor.wait_state(sup, "agent05", "acw", call_id=state["call_id"])
    assert audit_done(sup, command_id)
    assert customer.stop() == 0


def test_pickup_moves_a_ringing_call_to_the_supervisor(floor: Floor) -> None:
    sup = floor.http()
    agent = "agent03"
    wait_ready(floor, sup, agent)
    customer = floor.customer(floor.ghosts[agent].user or "")
    ringing = floor.wait_state(sup, agent, "ringing")
    assert ringing["queue"] == QUEUE
    result = intervene(sup, "pickup", agent)
    assert result.status_code == 202, result.text
    command_id = result.json()["command_id"]
    moved = customer.next_event("transferred", 15.0)
    assert moved["role"] == "transferee"
    assert "1801@" in moved["target"]
    incoming = floor.desk_1801.next_event("incoming", 10.0)
    assert incoming["headers"].get("X-Queue") == QUEUE  # the case went with the call
    floor.desk_1801.next_event("answered", 10.0)
    ack = ack_of(floor, agent, command_id)
    assert ack["ok"], ack
    assert audit_done(sup, command_id)
    assert customer.stop() == 0
    floor.desk_1801.next_event("ended", 10.0)


def test_queue_traffic_from_sipp_reaches_the_ghosts_and_the_wallboard(floor: Floor) -> None:
    """SIPp callers queue for agent04 while the PBX side posts queue events; the wallboard counts them."""
    sup = floor.http()
    wait_ready(floor, sup, "agent04")
    calls = 3
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    for n in range(calls):
        call_id = f"sipp-e2e-{n}"
        at = now - timedelta(seconds=10 - n)
        events.append({"event_id": f"{call_id}-enq", "kind": "enqueued", "call_id": call_id, "queue": QUEUE,
                       "at": at.isoformat(), "number": "13800138000"})
        events.append({"event_id": f"{call_id}-ans", "kind": "answered", "call_id": call_id, "queue": QUEUE,
                       "at": (at + timedelta(seconds=2)).isoformat(), "agent": "agent04"})
    ghost = floor.ghosts["agent04"]
    before = len(ghost.events("state"))
    run = floor.sipp.start_uac(floor.kamailio.address, service=ghost.user or "",
                               calls=calls, limit=1, rate=5, duration_ms=1200,
                               keys={"queue": QUEUE, "customer_id": ""})
    posted = sup.post("/v1/queue-events", json={"events": events})
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted"] == 2 * calls
    result = run.wait(30.0)
    assert result.ok, result.explain()
    # Each call rang or (arriving during the last one's after-call work, as on a desk) was taken.
    def taken() -> set[str]:
        return {e["call_id"] for e in ghost.events("state")[before:] if e["state"] in ("ringing", "on_call")}

    wait_for(lambda: len(taken()) >= calls, 10.0, interval=0.1, message=f"agent04 took {calls} calls")
    assert len(taken()) == calls
    board = sup.get("/v1/wallboard").json()
    panel = next(q for q in board["queues"] if q["queue"] == QUEUE)
    assert panel["today"]["answered"] >= calls
    assert panel["today"]["offered"] >= calls


def test_bad_monitor_tokens_are_refused_by_the_agents_phone(floor: Floor) -> None:
    """Forged, expired, and signed with another agent's key: 403, no ring, no monitoring."""
    agent01 = floor.http("agent01").get("/v1/phone-config").json()
    agent02 = floor.http("agent02").get("/v1/phone-config").json()
    assert agent01["monitor_key"] != agent02["monitor_key"]
    sup = floor.http()
    for_agent02 = intervene(sup, "listen", "agent02").json()["monitor"]["token"]
    tokens = {
        "forged": "eyJtb2RlIjoiYmFyZ2UifQ.c2lnbmF0dXJl",
        "expired": make_token(agent01["monitor_key"], "listen", time.time() - 5, "sup01"),
        "agent-issued": make_token(agent02["monitor_key"], "barge", time.time() + 60, "agent02"),
        "another agent's": for_agent02,
    }
    ghost = floor.ghosts["agent01"]
    incoming_before = len(ghost.events("incoming"))
    monitored_before = len(ghost.events("monitored"))
    bots = {name: floor.bots("--dial", floor.kamailio.uri("1001"), "--header", "X-Monitor=listen",
                             "--header", f"X-Monitor-Token={token}") for name, token in tokens.items()}
    for name, bot in bots.items():
        ended = bot.next_event("ended", 15.0)
        assert ended["code"] == 403, (name, ended)
    assert len(ghost.events("incoming")) == incoming_before
    assert len(ghost.events("monitored")) == monitored_before


def test_interventions_on_offline_agents_are_refused_clearly(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_TUI_PASSWORD", "demo")  # the ghost's backend password (test data)
    sup = floor.http()
    logged_out = intervene(sup, "force_release", "agent20")
    assert logged_out.status_code == 409
    assert "logged out" in logged_out.json()["detail"]
    assert intervene(sup, "listen", "agent20").status_code == 409
    dead = f"sip:127.0.0.1:{free_port()}"  # nobody answers there
    offline = floor.bots("--backend", floor.backend.url, "--user", "agent06", "--account", "1006@127.0.0.1",
                         "--registrar", dead, start=False)
    offline.start(timeout=30.0)
    offline.next_event("state", 20.0, where=lambda e: e["reason"] == "phone_offline")
    floor.wait_state(sup, "agent06", "not_ready", reason="phone_offline")
    refused = intervene(sup, "force_ready", "agent06")
    assert refused.status_code == 409
    assert "phone is offline" in refused.json()["detail"]
    assert offline.stop() == 0
    floor.wait_state(sup, "agent06", "logged_out")


@pytest.mark.parametrize("path", ["/v1/interventions", "/v1/monitor-tokens"])
def test_an_agents_token_cannot_intervene(floor: Floor, path: str) -> None:
    agent = floor.http("agent01")
    response = agent.post(path, json={"kind": "listen", "mode": "listen", "agent": "agent02"})
    assert response.status_code == 403
