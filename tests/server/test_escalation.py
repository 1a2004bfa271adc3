"""Escalation against the real server: a dispatched order not accepted in time raises one alert on the
event stream within 5 s of its deadline, stored, audited and listed for supervisors; on PostgreSQL with
TWO server processes on one database, still exactly once.

Limits are shortened by the server config (`accept = 1` minute) and the order's earlier steps are moved
back in the database, so its deadline falls due a few seconds into the test; nothing sleeps: the test
waits for events with deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.server.field_helpers import backdate, backend_url, file_order, step
from tests.server.process import ServerProcess, SseClient, SseMessage

pytestmark = pytest.mark.timeout(300)

LIMITS = {"sla": {"accept": 1}}
LATE_S = 15.0
"""An alert is on the stream within this long of its deadline. The promise is 5 s, and it is measured where
speed is measured, in bench/deadline_watcher.py (BENCHMARKS.md); here the bound only catches a watcher
that missed its round (a shared 2-core machine under load delayed one by 6 s)."""


def due_in(url: str, server: ServerProcess, agent: dict[str, str], seconds: float) -> dict[str, Any]:
    """An order dispatched so long ago that its 1-minute acceptance deadline falls due in `seconds`."""
    field = server.login("field01")
    filed = file_order(server, agent)
    step(server, field, filed["number"], "receive")
    step(server, field, filed["number"], "dispatch")
    back = 60 - seconds
    backdate(url, filed["id"],
             {"created": back + 3, "issued": back + 2, "received": back + 1, "dispatched": back})
    # Any change of the order reschedules its deadlines from its (now earlier) timeline.
    noted = httpx.patch(f"{server.base}/v1/tickets/{filed['id']}", json={"note": "customer called again"},
                        headers=agent)
    assert noted.status_code == 200, noted.text
    accept = next(d for d in noted.json()["deadlines"] if d["segment"] == "accept")
    assert not accept["breached"]
    return filed


def collect(
    stream: SseClient, until: Callable[[SseMessage, float], bool], timeout: float
) -> list[tuple[SseMessage, float]]:
    """Events (with the wall time each arrived) up to and including the first one `until` accepts."""
    end = time.monotonic() + timeout
    out: list[tuple[SseMessage, float]] = []
    while True:
        message = stream.next(max(end - time.monotonic(), 0.01))
        if message.comment is not None:
            continue
        arrived = time.time()
        out.append((message, arrived))
        if until(message, arrived):
            return out


def alert_of(
    number: str, segment: str = "accept", level: str = "breached"
) -> Callable[[SseMessage, float], bool]:
    def matches(message: SseMessage, _arrived: float) -> bool:
        if message.event != "order_alert":
            return False
        data = message.json()["data"]
        return bool(data["number"] == number and data["segment"] == segment and data["level"] == level)
    return matches


def alerts(seen: list[tuple[SseMessage, float]], number: str) -> list[tuple[dict[str, Any], float]]:
    """The accept breaches of one order among the events seen."""
    out = []
    for message, arrived in seen:
        if alert_of(number)(message, arrived):
            out.append((message.json()["data"], arrived))
    return out


def lateness(data: dict[str, Any], arrived: float) -> float:
    return arrived - datetime.fromisoformat(data["due_at"]).timestamp()


@pytest.fixture
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("escalation")
    proc = ServerProcess(f"sqlite:///{workdir / 'server.db'}", workdir, settings={
        **LIMITS, "escalation": {"poll_s": 0.5, "at_risk_ratio": 0.5, "notify_filing_agent": True}})
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


def test_not_accepted_in_time_raises_one_alert_to_supervisors_and_the_filing_desk(
    sqlite_server: ServerProcess,
) -> None:
    server = sqlite_server
    url = server.db_url
    sup, agent1, agent2 = server.login("sup01"), server.login("agent01"), server.login("agent02")
    streams = {name: SseClient(server.base, headers) for name, headers in
               (("sup", sup), ("agent01", agent1), ("agent02", agent2))}
    try:
        for stream in streams.values():
            stream.comment("connected after", timeout=15)
        mine = due_in(url, server, agent1, 3)
        moved_on = due_in(url, server, agent1, 4)
        # The field accepts this one in time: its deadline raises nothing when it falls due.
        step(server, server.login("field01"), moved_on["number"], "accept")
        theirs = due_in(url, server, agent2, 8)
        seen = collect(streams["sup"], alert_of(theirs["number"]), timeout=60)
        for order in (mine, theirs):
            ((data, arrived),) = alerts(seen, order["number"])
            assert data["filed_by"] == order["created_by"]
            assert data["not_accepted"] is True
            assert data["status"] == "dispatched"
            assert 0 <= lateness(data, arrived) <= LATE_S, data
        assert not alerts(seen, moved_on["number"])
        # The at-risk point (half the limit) had passed already: raised too, before the breach.
        risks = [m for m, _ in seen if alert_of(mine["number"], level="at_risk")(m, 0)]
        assert len(risks) == 1
        # Each filing desk got its own order's alert and not the other's (a marker closes the window).
        marker = file_order(server, sup)["number"]

        def is_marker(message: SseMessage, _arrived: float) -> bool:
            return message.event == "ticket" and message.json()["data"]["number"] == marker

        for name, own, other in (("agent01", mine, theirs), ("agent02", theirs, mine)):
            desk = collect(streams[name], is_marker, timeout=30)
            assert len(alerts(desk, own["number"])) == 1
            assert not alerts(desk, other["number"])
    finally:
        for stream in streams.values():
            stream.close()
    # Stored for a supervisor who connects later: newest first, filtered by level, segment and order.
    listed = httpx.get(f"{server.base}/v1/order-alerts", params={"level": "breached", "segment": "accept"},
                       headers=sup).json()
    assert [a["number"] for a in listed["items"]] == [theirs["number"], mine["number"]]
    risk = httpx.get(f"{server.base}/v1/order-alerts", params={"level": "at_risk", "number": mine["number"]},
                     headers=sup).json()["items"]
    # Half of EF's 2 minutes had passed too by the time the later order fell due.
    assert {a["segment"] for a in risk} == {"accept", "EF"}
    assert httpx.get(f"{server.base}/v1/order-alerts", headers=agent1).status_code == 403
    timeline = httpx.get(f"{server.base}/v1/orders/{mine['number']}/timeline", headers=agent1).json()
    assert any(a["segment"] == "accept" and a["level"] == "breached" for a in timeline["alerts"])
    audit = httpx.get(f"{server.base}/v1/audit", params={"action": "order_alert", "limit": 100},
                      headers=sup).json()["items"]
    accepted = [e for e in audit if (e["detail"]["number"], e["detail"]["segment"], e["detail"]["level"])
                == (mine["number"], "accept", "breached")]
    assert len(accepted) == 1
    assert accepted[0]["actor"] == "deadline-watcher"


@pytest.fixture
def two_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    workdir = tmp_path_factory.mktemp("escalation-pg")
    for url in backend_url("postgresql", workdir, request):
        settings = {**LIMITS, "escalation": {"poll_s": 0.5, "at_risk_ratio": 0}}
        first = ServerProcess(url, workdir, settings=settings)
        second = ServerProcess(url, workdir, settings=settings)
        try:
            first.start()
            second.start()
            yield first, second
        finally:
            second.stop()
            first.stop()


def test_two_server_processes_on_postgresql_raise_the_alert_exactly_once(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_servers
    agent = first.login("agent01")
    streams = [SseClient(server.base, server.login("sup01")) for server in two_servers]
    try:
        for stream in streams:
            stream.comment("connected after", timeout=15)
        watched = due_in(first.db_url, first, agent, 3)
        # A second order falls due later: once its alert is on both streams, both processes' watchers
        # have looked well past the first order's deadline (they look every 0.5 s).
        later = due_in(first.db_url, second, agent, 6)
        for stream in streams:
            seen = collect(stream, alert_of(later["number"]), timeout=60)
            ((data, arrived),) = alerts(seen, watched["number"])
            assert 0 <= lateness(data, arrived) <= LATE_S, data
    finally:
        for stream in streams:
            stream.close()
    for server in two_servers:
        sup = server.login("sup01")
        stored = httpx.get(f"{server.base}/v1/order-alerts", params={"number": watched["number"]},
                           headers=sup).json()
        assert stored["total"] == 1
        audit = httpx.get(f"{server.base}/v1/audit", params={"action": "order_alert", "limit": 100},
                          headers=sup).json()["items"]
        assert sum(e["detail"]["number"] == watched["number"] for e in audit) == 1
