"""Issue 12, figures: hold counted once in AHT, complete report rows that match the wallboard, one-day,
week and month reports with the KPIs of DOMAIN.md, and an agent's own figures for today; on the real
app, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from agent_tui.domain.figures import HandlingSums, aht_s, talk_seconds
from agent_tui.server.models import AgentStateLogRow, AgentStateRow, CallRow, QueueCallRow
from tests.server.conftest import login, make_client
from tests.server.test_supervision import midday_zone

QUEUE = "q-fig"


@pytest.fixture
def fig_client(db_url: str) -> Iterator[TestClient]:
    """The app with the demo users but none of the demo calls or states: every figure is ours."""
    with make_client(db_url, timezone=midday_zone(), wallboard_refresh_s=3600) as client:
        with client.app.state.db.write() as session:  # type: ignore[attr-defined]
            for table in (CallRow, QueueCallRow, AgentStateLogRow, AgentStateRow):
                session.execute(delete(table))
        yield client


def iso(moment: datetime) -> str:
    return moment.isoformat()


def today_text() -> str:
    return datetime.now(ZoneInfo(midday_zone())).date().isoformat()


def record(call_id: str, agent: str, answered: datetime, talk_with_hold: float, hold: float, acw: float,
           **extra: Any) -> dict[str, Any]:
    """A call record as today's desk sends it: talk_s from answer to end, hold included."""
    return {"call_id": call_id, "agent": agent, "queue": QUEUE, "number": "13800000000",
            "offered_at": iso(answered - timedelta(seconds=5)), "answered_at": iso(answered),
            "ended_at": iso(answered + timedelta(seconds=talk_with_hold)), "talk_s": talk_with_hold,
            "hold_s": hold, "acw_s": acw, **extra}


def wallboard(client: TestClient, sup: dict[str, str]) -> dict[str, Any]:
    snapshot: dict[str, Any] = client.get("/v1/wallboard", headers=sup).json()
    return snapshot


def agent_today(snapshot: dict[str, Any], username: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in snapshot["agents"] if r["username"] == username)["today"]
    return found


def queue_today(snapshot: dict[str, Any], queue: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in snapshot["queues"] if p["queue"] == queue)["today"]
    return found


def report(client: TestClient, sup: dict[str, str], by: str, period: str = "day",
           **window: str) -> list[dict[str, Any]]:
    params = {"from": window.get("start", today_text()), "to": window.get("end", today_text()),
              "by": by, "period": period}
    answer = client.get("/v1/reports", params=params, headers=sup)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["rows"]
    return rows


def test_the_rule_talk_excludes_hold() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert talk_seconds(start, start + timedelta(seconds=12), 4) == 8.0
    assert talk_seconds(start, None, 4) == 0.0
    assert aht_s(8, 4, 0, 1) == 12.0
    sums = HandlingSums()
    sums.add(talk_seconds(start, start + timedelta(seconds=12), 4), 4, 6, resolved=True)
    sums.add(10, 0, 2, resolved=None, transferred=True)
    assert (sums.calls, sums.aht_s, sums.avg_hold_s, sums.fcr, sums.transfer_rate) == (2, 15.0, 2.0, 1.0, 0.5)


def test_hold_counts_once_in_aht_everywhere(fig_client: TestClient) -> None:
    client = fig_client
    sup, agent = login(client, "sup01"), login(client, "agent07")
    now = datetime.now(UTC)
    # A 12 s conversation with 4 s on hold, sent by a desk that counts hold inside talk_s, and the same
    # call sent by a desk that follows the rule (talk 8 s): both are 12 s of handling.
    old_desk = record("hold-old", "agent07", now - timedelta(seconds=120), 12, 4, 0)
    new_desk = {**record("hold-new", "agent07", now - timedelta(seconds=60), 12, 4, 0), "talk_s": 8}
    for body in (old_desk, new_desk):
        assert client.post("/v1/calls", json=body, headers=agent).status_code == 200
    snapshot = wallboard(client, sup)
    mine = agent_today(snapshot, "agent07")
    assert (mine["calls_handled"], mine["talk_s"], mine["hold_s"]) == (2, pytest.approx(16.0), 8.0)
    assert mine["aht_s"] == pytest.approx(12.0)
    assert queue_today(snapshot, QUEUE)["aht_s"] == pytest.approx(12.0)
    (by_agent,) = [r for r in report(client, sup, "agent") if r["key"] == "agent07"]
    (by_queue,) = [r for r in report(client, sup, "queue") if r["key"] == QUEUE]
    assert by_agent["aht_s"] == pytest.approx(12.0)
    assert by_queue["aht_s"] == pytest.approx(12.0)
    own = client.get("/v1/agents/agent07/figures", headers=agent).json()["today"]
    assert own["aht_s"] == pytest.approx(12.0)


def test_report_rows_are_complete_and_match_the_wallboard(fig_client: TestClient) -> None:
    client = fig_client
    sup = login(client, "sup01")
    agents = {name: login(client, name) for name in ("agent01", "agent02", "agent11")}
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    answered = {"m1": ("agent01", 300), "m2": ("agent02", 240), "m3": ("agent01", 200),
                "m4": ("agent11", 150)}
    for call, (agent, ago) in answered.items():
        enq = now - timedelta(seconds=ago)
        events += [{"event_id": f"{call}-e", "kind": "enqueued", "call_id": call, "queue": QUEUE,
                    "at": iso(enq), "number": f"1390000{ago}"},
                   {"event_id": f"{call}-a", "kind": "answered", "call_id": call, "queue": QUEUE,
                    "at": iso(enq + timedelta(seconds=10)), "agent": agent}]
    events += [{"event_id": "m5-e", "kind": "enqueued", "call_id": "m5", "queue": QUEUE,
                "at": iso(now - timedelta(seconds=130)), "number": "13911110000"},
               {"event_id": "m5-x", "kind": "abandoned", "call_id": "m5", "queue": QUEUE,
                "at": iso(now - timedelta(seconds=70))}]
    assert client.post("/v1/queue-events", json={"events": events}, headers=sup).status_code == 200
    for call, (agent, ago) in answered.items():
        body = record(call, agent, now - timedelta(seconds=ago - 10), 40, 5, 15,
                      first_call_resolved=call != "m3", disposition="transferred" if call == "m2" else None)
        assert client.post("/v1/calls", json=body, headers=agents[agent]).status_code == 200
    snapshot = wallboard(client, sup)
    panel = queue_today(snapshot, QUEUE)
    (row,) = [r for r in report(client, sup, "queue") if r["key"] == QUEUE]
    for name in ("offered", "answered", "abandoned", "handled", "talk_s", "hold_s", "acw_s", "aht_s",
                 "service_level", "asa_s", "avg_hold_s", "avg_abandon_s", "transfer_rate"):
        assert row[name] == pytest.approx(panel[name]), name
    assert (row["offered"], row["answered"], row["abandoned"], row["handled"]) == (5, 4, 1, 4)
    assert (row["talk_s"], row["hold_s"], row["acw_s"]) == (pytest.approx(140.0), 20.0, 60.0)
    assert row["aht_s"] == pytest.approx(55.0)
    assert row["avg_abandon_s"] == pytest.approx(60.0)
    assert row["transfer_rate"] == pytest.approx(0.25)
    by_agent = {r["key"]: r for r in report(client, sup, "agent")}
    for name in ("agent01", "agent02", "agent11"):
        wall = agent_today(snapshot, name)
        mine = by_agent[name]
        assert mine["offered"] == mine["answered"] == mine["handled"] == wall["calls_handled"] > 0
        for field in ("talk_s", "hold_s", "acw_s", "aht_s", "fcr", "transfer_rate", "avg_hold_s"):
            assert mine[field] == pytest.approx(wall[field]), (name, field)
    assert by_agent["agent01"]["answered"] == 2
    assert by_agent["agent01"]["fcr"] == pytest.approx(0.5)
    teams = {r["key"]: r for r in report(client, sup, "team")}
    assert (teams["A"]["offered"], teams["A"]["answered"], teams["B"]["offered"]) == (3, 3, 1)
    assert teams["A"]["talk_s"] == pytest.approx(sum(by_agent[a]["talk_s"] for a in ("agent01", "agent02")))


def _state_log(client: TestClient, username: str, spans: list[tuple[str, datetime, datetime | None]]) -> None:
    with client.app.state.db.write() as session:  # type: ignore[attr-defined]
        for state, started, ended in spans:
            session.add(AgentStateLogRow(username=username, state=state, reason=None, started_at=started,
                                         ended_at=ended))


def test_one_day_week_month_and_the_kpis(fig_client: TestClient) -> None:
    client = fig_client
    sup, agent = login(client, "sup01"), login(client, "agent09")
    now = datetime.now(UTC)
    # 200 s Ready, 300 s on a call, 100 s wrap-up, then logged out: occupancy 300 ÷ 500, and the
    # 30 s of talk (40 s less 10 s on hold) over 600 s logged in is the utilisation.
    t0 = now - timedelta(seconds=700)
    _state_log(client, "agent09", [("ready", t0, t0 + timedelta(seconds=200)),
                                   ("on_call", t0 + timedelta(seconds=200), t0 + timedelta(seconds=500)),
                                   ("acw", t0 + timedelta(seconds=500), t0 + timedelta(seconds=600)),
                                   ("logged_out", t0 + timedelta(seconds=600), None)])
    body = record("kpi-1", "agent09", t0 + timedelta(seconds=210), 40, 10, 20, transfer_reason="billing")
    assert client.post("/v1/calls", json=body, headers=agent).status_code == 200

    (one_day,) = [r for r in report(client, sup, "agent") if r["key"] == "agent09"]
    zone = ZoneInfo(midday_zone())
    assert datetime.fromisoformat(one_day["period_start"]) == datetime.fromisoformat(
        f"{today_text()}T00:00:00").replace(tzinfo=zone)
    assert one_day["occupancy"] == pytest.approx(0.6)
    assert one_day["utilisation"] == pytest.approx(30 / 600)
    assert one_day["transfer_rate"] == 1.0
    assert one_day["avg_hold_s"] == pytest.approx(10.0)
    wall = agent_today(wallboard(client, sup), "agent09")
    assert (wall["occupancy"], wall["utilisation"]) == (pytest.approx(0.6), pytest.approx(30 / 600))

    stamp = iso(now)  # the same timestamp twice is that timestamp's day, too
    (same,) = [r for r in report(client, sup, "agent", start=stamp, end=stamp) if r["key"] == "agent09"]
    assert same == one_day

    day = date.fromisoformat(today_text())
    week = report(client, sup, "queue", "week", start=iso(now - timedelta(days=8)), end=today_text())
    assert {datetime.fromisoformat(r["period_start"]).astimezone(zone).date() for r in week} == {
        day - timedelta(days=day.weekday())}
    month = report(client, sup, "agent", "month", start=(day - timedelta(days=40)).isoformat(),
                   end=today_text())
    (ours,) = [r for r in month if r["key"] == "agent09"]
    assert datetime.fromisoformat(ours["period_start"]).astimezone(zone).date() == day.replace(day=1)
    assert ours["occupancy"] == pytest.approx(0.6)
    bad = client.get("/v1/reports", params={"from": "2026-13-01", "to": "2026-13-01"}, headers=sup)
    assert bad.status_code == 422


def test_an_agents_own_figures_for_today(fig_client: TestClient) -> None:
    client = fig_client
    sup, mine, other = login(client, "sup01"), login(client, "agent04"), login(client, "agent05")
    now = datetime.now(UTC)
    for index, resolved in enumerate((True, False, None)):
        body = record(f"own-{index}", "agent04", now - timedelta(seconds=300 - index * 60), 30, 6, 12,
                      first_call_resolved=resolved)
        assert client.post("/v1/calls", json=body, headers=mine).status_code == 200
    answer = client.get("/v1/agents/agent04/figures", headers=mine)
    assert answer.status_code == 200, answer.text
    own = answer.json()
    today = own["today"]
    assert (today["calls_handled"], today["resolved"], today["judged"]) == (3, 1, 2)
    assert today["aht_s"] == pytest.approx(42.0)
    assert today["fcr"] == pytest.approx(0.5)
    assert today == agent_today(wallboard(client, sup), "agent04") | {
        k: today[k] for k in ("ready_s", "busy_s", "logged_in_s", "occupancy", "utilisation")}
    assert client.get("/v1/agents/agent04/figures", headers=sup).json()["today"]["calls_handled"] == 3
    assert client.get("/v1/agents/agent04/figures", headers=other).status_code == 403
    assert client.get("/v1/agents/agent04/figures", headers=login(client, "trainer01")).status_code == 403
    assert client.get("/v1/agents/nobody/figures", headers=sup).status_code == 404


def test_a_call_that_rang_unanswered_counts_offered_to_the_agent(fig_client: TestClient) -> None:
    client = fig_client
    sup, agent = login(client, "sup01"), login(client, "agent12")
    now = datetime.now(UTC)
    assert client.post("/v1/calls", json=record("rang-1", "agent12", now - timedelta(seconds=90), 20, 0, 5),
                       headers=agent).status_code == 200
    missed = {"call_id": "rang-2", "agent": "agent12", "queue": QUEUE, "number": "13800000001",
              "offered_at": iso(now - timedelta(seconds=60)), "ended_at": iso(now - timedelta(seconds=45))}
    assert client.post("/v1/calls", json=missed, headers=agent).status_code == 200
    (row,) = [r for r in report(client, sup, "agent") if r["key"] == "agent12"]
    assert (row["offered"], row["answered"], row["abandoned"], row["handled"]) == (2, 1, 1, 1)
    assert row["answer_rate"] == 0.5
    assert row["aht_s"] == pytest.approx(25.0)
    (team,) = [r for r in report(client, sup, "team") if r["key"] == "B"]
    assert (team["offered"], team["answered"]) == (2, 1)
