"""Queue events that arrive late or out of order (an abandon before its enqueue, an answer after an
abandon) owe callers the same callbacks as the same events in order: every permutation of a batch,
each event posted on its own, on the real app on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import login, make_client

CALLERS: dict[str, list[tuple[str, float, dict[str, Any]]]] = {
    "long": [("enqueued", 200, {}), ("abandoned", 140, {})],  # waited 60 s: owed a call back
    "short": [("enqueued", 100, {}), ("abandoned", 90, {})],  # 10 s: a wrong number, owed nothing
    "vm": [("enqueued", 300, {}), ("overflow", 250, {"voicemail": True})],
    "busy": [("enqueued", 280, {}), ("overflow", 270, {})],
    "served": [("enqueued", 260, {}), ("answered", 250, {"agent": "agent01"})],
    # A hang-up reported after the answer: the caller was served, whatever arrives first.
    "rescued": [("enqueued", 230, {}), ("answered", 215, {"agent": "agent02"}), ("abandoned", 150, {})],
}
EXPECTED = {"long": "abandoned", "vm": "voicemail", "busy": "all_busy"}
"""Who is owed a call back, and why."""

EVENT_COUNT = sum(len(steps) for steps in CALLERS.values())
_runs = itertools.count()


@pytest.fixture
def events_client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url, wallboard_refresh_s=3600) as client:
        yield client


def batch(prefix: str, now: datetime) -> list[dict[str, Any]]:
    """The events of every caller, in time order; numbers, ids and the queue are the run's own."""
    events = []
    for index, (caller, steps) in enumerate(CALLERS.items()):
        for kind, ago, extra in steps:
            events.append({"event_id": f"{prefix}-{caller}-{kind}", "kind": kind,
                           "call_id": f"{prefix}-{caller}", "queue": f"q-{prefix}",
                           "at": (now - timedelta(seconds=ago)).isoformat(),
                           # Only the enqueue carries the caller's number, as PBX forwarders often do.
                           "number": f"1370{index}{next(_runs):06d}" if kind == "enqueued" else "", **extra})
    return sorted(events, key=lambda e: e["at"])


def owed(client: TestClient, sup: dict[str, str], prefix: str,
         events: list[dict[str, Any]]) -> dict[str, Any]:
    """Post each event on its own, in the given order; the open callbacks of the run, by caller."""
    for event in events:
        answer = client.post("/v1/queue-events", json={"events": [event]}, headers=sup)
        assert answer.status_code == 200, answer.text
    listed = client.get("/v1/callbacks", params={"queue": f"q-{prefix}", "limit": 200}, headers=sup).json()
    numbers = {e["call_id"]: e["number"] for e in events if e["number"]}
    out = {}
    for item in listed["items"]:
        caller = item["call_id"].removeprefix(f"{prefix}-")
        assert item["number"] == numbers[item["call_id"]]
        out[caller] = (item["reason"], datetime.fromisoformat(item["queued_at"]) - datetime.fromisoformat(
            next(e["at"] for e in events if e["call_id"] == item["call_id"] and e["kind"] == "enqueued")),
                       item["voicemail"] is not None)
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(EVENT_COUNT)))
def test_every_order_owes_the_same_callbacks(events_client: TestClient, order: list[int]) -> None:
    client = events_client
    sup = login(client, "sup01")
    now = datetime.now(UTC)
    run = next(_runs)
    ordered_prefix, shuffled_prefix = f"o{run}", f"s{run}"
    in_order = owed(client, sup, ordered_prefix, batch(ordered_prefix, now))
    shuffled_events = batch(shuffled_prefix, now)
    shuffled = owed(client, sup, shuffled_prefix, [shuffled_events[i] for i in order])
    assert {caller: reason for caller, (reason, _w, _v) in in_order.items()} == EXPECTED
    assert shuffled == in_order
    assert in_order["vm"][2] is True  # the voicemail is linked, whichever event came first
