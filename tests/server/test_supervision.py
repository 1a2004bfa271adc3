"""Supervision endpoints in process: queue events and the wallboard, interventions and their audit,
monitor tokens against the phone's verifier, raised hands, callbacks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.events import EventKind
from agent_tui.domain.session import Role
from agent_tui.phone.monitor_token import make_token, verify_token
from agent_tui.server.broker import Broker
from agent_tui.server.wallboard import Wallboard
from tests.server.conftest import login, make_client


def midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, so 'today' holds the last few minutes."""
    offset = 12 - datetime.now(UTC).hour
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture
def sup_client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    with make_client(url, timezone=midday_zone(), recordings_dir=tmp_path / "rec",
                     wallboard_refresh_s=3600) as client:
        yield client


def iso(moment: datetime) -> str:
    return moment.isoformat()


def queue_events(now: datetime, queue: str = "q-test") -> list[dict[str, Any]]:
    def ev(call: str, kind: str, ago: float, **extra: Any) -> dict[str, Any]:
        return {"event_id": f"{call}-{kind}", "kind": kind, "call_id": call, "queue": queue,
                "at": iso(now - timedelta(seconds=ago)), **extra}

    return [
        ev("c1", "answered", 290, agent="agent01"), ev("c1", "enqueued", 300, number="13900000001"),
        ev("c2", "enqueued", 280), ev("c2", "answered", 240, agent="agent02"),
        ev("c3", "enqueued", 200, number="13900000003"), ev("c3", "abandoned", 190),
        ev("c4", "enqueued", 180, number="13900001111"), ev("c4", "abandoned", 120),
        ev("c5", "enqueued", 100),
        ev("c6", "enqueued", 100, training=True), ev("c6", "answered", 99, agent="agent03", training=True),
    ]


def panel(snapshot: dict[str, Any], queue: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in snapshot["queues"] if p["queue"] == queue]
    assert len(found) == 1
    return found[0]


def test_queue_events_are_idempotent_and_feed_the_wallboard(sup_client: TestClient) -> None:
    sup = login(sup_client, "sup01")
    now = datetime.now(UTC)
    events = queue_events(now)
    first = sup_client.post("/v1/queue-events", json={"events": events}, headers=sup)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": len(events), "duplicates": 0}
    again = sup_client.post("/v1/queue-events", json={"events": events}, headers=sup)
    assert again.json() == {"accepted": 0, "duplicates": len(events)}
    snapshot = sup_client.get("/v1/wallboard", headers=sup).json()
    today = panel(snapshot, "q-test")["today"]
    # c1 (10 s) and c2 (40 s) answered, c4 abandoned after 60 s, c3 a short abandon, c5 waiting,
    # c6 a training call.
    assert (today["offered"], today["answered"], today["abandoned"], today["short_abandoned"]) == (3, 2, 1, 1)
    assert today["service_level"] == pytest.approx(1 / 3)
    assert today["asa_s"] == pytest.approx(25.0)
    assert today["waiting"] == 1
    assert 99 <= today["longest_wait_s"] <= 160
    assert snapshot["last_event_id"] >= 0
    agents = {row["username"]: row for row in snapshot["agents"]}
    assert len(agents) == 20
    assert "sup01" not in agents
    agent = login(sup_client, "agent01")
    assert sup_client.get("/v1/wallboard", headers=agent).status_code == 403
    assert sup_client.post("/v1/queue-events", json={"events": events}, headers=agent).status_code == 403


def agent_row(client: TestClient, headers: dict[str, str], username: str) -> dict[str, Any]:
    rows = client.get("/v1/wallboard", headers=headers).json()["agents"]
    found: dict[str, Any] = next(r for r in rows if r["username"] == username)
    return found


def test_call_records_without_pbx_events_still_count(sup_client: TestClient) -> None:
    agent = login(sup_client, "agent05")
    before = agent_row(sup_client, login(sup_client, "sup01"), "agent05")["today"]["calls_handled"]
    now = datetime.now(UTC)
    record = {"call_id": "desk-1", "queue": "q-desk", "agent": "agent05",
              "offered_at": iso(now - timedelta(seconds=200)),
              "answered_at": iso(now - timedelta(seconds=185)),
              "ended_at": iso(now - timedelta(seconds=60)), "talk_s": 100, "hold_s": 10, "acw_s": 15,
              "first_call_resolved": True}
    assert sup_client.post("/v1/calls", json=record, headers=agent).status_code == 200
    training = {**record, "call_id": "desk-2", "training": True}
    assert sup_client.post("/v1/calls", json=training, headers=agent).status_code == 200
    snapshot = sup_client.get("/v1/wallboard", headers=login(sup_client, "sup01")).json()
    today = panel(snapshot, "q-desk")["today"]
    # AHT: answered → ended (125 s, the 10 s on hold inside it) + 15 s ACW, whatever talk_s the desk sent.
    assert (today["offered"], today["answered"], today["aht_s"], today["asa_s"]) == (1, 1, 140.0, 15.0)
    row = next(r for r in snapshot["agents"] if r["username"] == "agent05")
    assert row["today"]["calls_handled"] == before + 1  # the demo seed's calls, this one, no training
    assert row["half_hour"]["fcr"] in (1.0, None)  # None only when the call fell in the previous half hour


def events_for(client: TestClient, username: str, role: Role, after: int = 0) -> list[Any]:
    broker: Broker = client.app.state.broker  # type: ignore[attr-defined]
    return broker.fetch(after, username, role, limit=5000)


def test_interventions_audited_acknowledged_refused_when_offline(sup_client: TestClient) -> None:
    sup = login(sup_client, "sup01")
    agent = login(sup_client, "agent01")
    other = login(sup_client, "agent02")
    offline = sup_client.post("/v1/interventions", json={"kind": "force_ready", "agent": "agent01"},
                              headers=sup)
    assert offline.status_code == 409
    assert offline.headers["content-type"] == "application/problem+json"
    assert "agent01 is logged out" in offline.json()["detail"]
    ready = sup_client.put("/v1/agents/agent01/state", json={"state": "ready"}, headers=agent)
    assert ready.status_code == 200
    sent = sup_client.post("/v1/interventions", json={"kind": "force_not_ready", "agent": "agent01",
                                                      "reason": "meeting"}, headers=sup)
    assert sent.status_code == 202, sent.text
    command_id = sent.json()["command_id"]
    mine = [e for e in events_for(sup_client, "agent01", Role.AGENT) if e.id == command_id]
    assert mine
    assert mine[0].kind == EventKind.COMMAND
    assert mine[0].data == {"command": "force_state",
                            "data": {"state": "not_ready", "reason": "meeting", "by": "sup01"}}
    assert all(e.id != command_id for e in events_for(sup_client, "agent02", Role.AGENT))
    release = sup_client.post("/v1/interventions", json={"kind": "force_release", "agent": "agent01"},
                              headers=sup)
    assert release.status_code == 409
    assert "not on a call" in release.json()["detail"]
    # Only the commanded agent acknowledges; supervisors see the outcome in the audit trail.
    assert sup_client.post(f"/v1/commands/{command_id}/ack", json={}, headers=other).status_code == 403
    ack = sup_client.post(f"/v1/commands/{command_id}/ack", json={"ok": True}, headers=agent)
    assert ack.status_code == 200
    assert ack.json()["status"] == "done"
    trail = sup_client.get("/v1/audit", params={"agent": "agent01"}, headers=sup).json()["items"]
    entry = next(e for e in trail if e["command_id"] == command_id)
    assert (entry["actor"], entry["action"], entry["status"]) == ("sup01", "force_not_ready", "done")
    assert entry["detail"]["reason"] == "meeting"
    assert sup_client.get("/v1/audit", headers=agent).status_code == 403
    # A phone gone offline: the desk says so with the reason code, and interventions are refused.
    sup_client.put("/v1/agents/agent01/state", json={"state": "not_ready", "reason": "phone_offline"},
                   headers=agent)
    coach = sup_client.post("/v1/interventions", json={"kind": "coach", "agent": "agent01", "text": "hi"},
                            headers=sup)
    assert coach.status_code == 409
    assert "phone is offline" in coach.json()["detail"]
    listen = sup_client.post("/v1/monitor-tokens", json={"agent": "agent01", "mode": "listen"}, headers=sup)
    assert listen.status_code == 409


def test_call_interventions_and_coaching(sup_client: TestClient) -> None:
    sup = login(sup_client, "sup01")
    agent = login(sup_client, "agent03")
    ringing = {"state": "ringing", "call_id": "k1", "call_number": "13800138000", "queue": "q1"}
    sup_client.put("/v1/agents/agent03/state", json=ringing, headers=agent)
    pickup = sup_client.post("/v1/interventions", json={"kind": "pickup", "agent": "agent03"}, headers=sup)
    assert pickup.status_code == 202, pickup.text
    sup_client.put("/v1/agents/agent03/state", json={"state": "on_call", "call_id": "k1"}, headers=agent)
    transfer = sup_client.post("/v1/interventions", json={"kind": "force_transfer", "agent": "agent03",
                                                          "target": "1005"}, headers=sup)
    coach = sup_client.post("/v1/interventions", json={"kind": "coach", "agent": "agent03",
                                                       "text": "语速放慢"}, headers=sup)
    assert transfer.status_code == coach.status_code == 202
    ids = {pickup.json()["command_id"], transfer.json()["command_id"], coach.json()["command_id"]}
    commands = {e.id: e.data for e in events_for(sup_client, "agent03", Role.AGENT) if e.id in ids}
    assert commands[pickup.json()["command_id"]]["command"] == "pickup"
    assert commands[pickup.json()["command_id"]]["data"]["call_id"] == "k1"
    assert commands[pickup.json()["command_id"]]["data"]["to"] == "1801"
    transferred = commands[transfer.json()["command_id"]]["data"]
    assert transferred == {"call_id": "k1", "target": "1005", "by": "sup01"}
    assert commands[coach.json()["command_id"]]["data"]["text"] == "语速放慢"
    missing = sup_client.post("/v1/interventions", json={"kind": "force_transfer", "agent": "agent03"},
                              headers=sup)
    assert missing.status_code == 422
    actions = [e["action"] for e in sup_client.get("/v1/audit", headers=sup).json()["items"]]
    assert {"pickup", "force_transfer", "coach"} <= set(actions)
    row = next(r for r in sup_client.get("/v1/wallboard", headers=sup).json()["agents"]
               if r["username"] == "agent03")
    assert (row["state"], row["call_id"], row["call_number"], row["call_queue"]) == (
        "on_call", "k1", "13800138000", "q1")
    assert row["call_duration_s"] is not None


def test_monitor_tokens_verify_on_the_agents_phone_only(sup_client: TestClient) -> None:
    sup = login(sup_client, "sup01")
    agent = login(sup_client, "agent01")
    other = login(sup_client, "agent02")
    sup_client.put("/v1/agents/agent01/state", json={"state": "ready"}, headers=agent)
    answer = sup_client.post("/v1/monitor-tokens", json={"agent": "agent01", "mode": "whisper"}, headers=sup)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["sip_target"] == "1001"
    token = body["token"]
    config = sup_client.get("/v1/phone-config", headers=agent).json()
    key = config["monitor_key"]
    assert config["show_monitored"] is False
    now = time.time()
    assert verify_token(key, token, "whisper", now)
    assert verify_token(key, token, "listen", now)
    assert not verify_token(key, token, "barge", now)
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert not verify_token(key, token, "listen", expires + 1)
    other_key = sup_client.get("/v1/phone-config", headers=other).json()["monitor_key"]
    assert other_key != key
    assert not verify_token(other_key, token, "listen", now)
    # An agent may not get tokens, and a token an agent makes with its own key fails on a colleague's phone.
    assert sup_client.post("/v1/monitor-tokens", json={"agent": "agent02", "mode": "listen"},
                           headers=agent).status_code == 403
    forged = make_token(key, "barge", now + 60, "agent01")
    assert not verify_token(other_key, forged, "listen", now)
    via_intervention = sup_client.post("/v1/interventions", json={"kind": "barge", "agent": "agent01"},
                                       headers=sup).json()
    assert verify_token(key, via_intervention["monitor"]["token"], "barge", time.time())
    actions = [e["action"] for e in sup_client.get("/v1/audit", headers=sup).json()["items"]]
    assert actions[:2] == ["barge", "whisper"]
    assert sup_client.post("/v1/monitor-tokens", json={"agent": "agent01", "mode": "force_ready"},
                           headers=sup).status_code == 422


def test_monitoring_policy_is_exposed(tmp_path: Path) -> None:
    with make_client(f"sqlite:///{tmp_path / 's.db'}", show_monitored=True,
                     monitor_secret="s3cret-for-test") as client:
        config = client.get("/v1/phone-config", headers=login(client, "agent04")).json()
        assert config["show_monitored"] is True
        assert config["username"] == "agent04"
        assert "s3cret" not in config["monitor_key"]


def test_wallboard_changes_reach_supervisors_only_and_alerts_come_and_go(sup_client: TestClient) -> None:
    board: Wallboard = sup_client.app.state.wallboard  # type: ignore[attr-defined]
    sup = login(sup_client, "sup01")
    agent = login(sup_client, "agent07")
    start = events_for(sup_client, "sup01", Role.SUPERVISOR)[-1].id if events_for(
        sup_client, "sup01", Role.SUPERVISOR) else 0
    sup_client.put("/v1/agents/agent07/state", json={"state": "ready"}, headers=agent)
    batch = {"events": queue_events(datetime.now(UTC), "q-sse")}
    sup_client.post("/v1/queue-events", json=batch, headers=sup)
    raised = sup_client.post("/v1/raise-hand", json={"text": "help"}, headers=agent)
    assert raised.status_code == 200
    assert raised.json()["kind"] == "raised_hand"
    published = board.flush()
    kinds = {e.kind for e in published}
    assert {EventKind.QUEUE_STATS, EventKind.AGENT_ROWS, EventKind.ALERT} <= kinds
    assert board.flush() == []  # nothing touched since: nothing repeated
    seen_by_sup = {e.kind for e in events_for(sup_client, "sup01", Role.SUPERVISOR, start)}
    seen_by_agent = {e.kind for e in events_for(sup_client, "agent07", Role.AGENT, start)}
    assert {EventKind.QUEUE_STATS, EventKind.AGENT_ROWS, EventKind.ALERT} <= seen_by_sup
    assert not {EventKind.QUEUE_STATS, EventKind.AGENT_ROWS, EventKind.ALERT} & seen_by_agent
    alerts = sup_client.get("/v1/wallboard", headers=sup).json()["alerts"]
    assert any(a["key"] == "raised_hand:agent07" for a in alerts)
    sup_client.post("/v1/raise-hand", json={"up": False}, headers=agent)
    cleared = [e for e in board.flush() if e.kind == EventKind.ALERT]
    assert [(e.data["key"], e.data["cleared"]) for e in cleared] == [("raised_hand:agent07", True)]
    # A long after-call work: a warning once past the first threshold, an alert past the second.
    sup_client.put("/v1/agents/agent07/state", json={"state": "acw"}, headers=agent)
    later = datetime.now(UTC) + timedelta(seconds=90)
    acw = [e.data for e in board.flush(full=True, now=later) if e.kind == EventKind.ALERT]
    assert any(a["key"] == "long_acw:agent07" and a["level"] == "warning" for a in acw)
    worse = [e.data for e in board.flush(full=True, now=later + timedelta(seconds=60))
             if e.kind == EventKind.ALERT]
    assert any(a["key"] == "long_acw:agent07" and a["level"] == "alert" for a in worse)


def test_callbacks_flow(sup_client: TestClient) -> None:
    sup = login(sup_client, "sup01")
    one, two = login(sup_client, "agent01"), login(sup_client, "agent02")
    seeded = sup_client.get("/v1/callbacks", headers=one).json()
    assert seeded["total"] >= 5
    assert {"all_busy", "abandoned", "voicemail"} <= {c["reason"] for c in seeded["items"]}
    now = datetime.now(UTC)
    events = [
        *queue_events(now),
        {"event_id": "v1-enq", "kind": "enqueued", "call_id": "v1", "queue": "q-test",
         "number": "13900002222", "at": iso(now - timedelta(seconds=50))},
        {"event_id": "v1-vm", "kind": "overflow", "call_id": "v1", "queue": "q-test", "voicemail": True,
         "at": iso(now - timedelta(seconds=20))},
    ]
    sup_client.post("/v1/queue-events", json={"events": events}, headers=sup)
    listed = {c["number"]: c for c in sup_client.get("/v1/callbacks", params={"limit": 100},
                                                     headers=one).json()["items"]}
    assert listed["13900001111"]["reason"] == "abandoned"
    assert listed["13900002222"]["reason"] == "voicemail"
    assert "13900000003" not in listed  # a short abandon
    cb = listed["13900001111"]["id"]
    claimed = sup_client.post(f"/v1/callbacks/{cb}/claim", headers=one)
    assert claimed.status_code == 200
    assert claimed.json()["claimed_by"] == "agent01"
    assert sup_client.post(f"/v1/callbacks/{cb}/claim", headers=one).status_code == 200
    assert sup_client.post(f"/v1/callbacks/{cb}/claim", headers=two).status_code == 409
    assert sup_client.post(f"/v1/callbacks/{cb}/done", headers=two).status_code == 409
    done = sup_client.post(f"/v1/callbacks/{cb}/done", json={"note": "fixed"}, headers=one)
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert sup_client.post(f"/v1/callbacks/{cb}/claim", headers=one).status_code == 409
    still_open = sup_client.get("/v1/callbacks", params={"limit": 100}, headers=one).json()["items"]
    open_now = [c["id"] for c in still_open]
    assert cb not in open_now
    closed = sup_client.get("/v1/callbacks", params={"status": "done"}, headers=sup).json()["items"]
    assert [c["note"] for c in closed if c["id"] == cb] == ["fixed"]
    assert sup_client.post("/v1/callbacks/999999/claim", headers=one).status_code == 404
    trainer = login(sup_client, "trainer01")
    assert sup_client.get("/v1/callbacks", headers=trainer).status_code == 403
