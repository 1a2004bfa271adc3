"""End to end on the real server (two uvicorn workers on PostgreSQL): a campaign of 50 demo customers runs
to completion while two agents claim over HTTP at the same time; every outcome is recorded once, the
retries come back, and the progress and the report agree.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import Campaign, CampaignCreate, CustomerFilter
from agent_tui.sync.campaign_admin import CampaignAdminClient
from agent_tui.sync.client import BackendClient
from tests.server.process import ServerProcess

AGENTS = ("agent11", "agent12")
DEADLINE_S = 120.0


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(pg_url, tmp_path, workers=2, settings={"timezone": "UTC"})
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def _make_and_start(base: str, body: CampaignCreate) -> tuple[Campaign, Campaign]:
    client = BackendClient(base)
    try:
        await client.login("sup01", SecretStr("demo"))
        admin = CampaignAdminClient(client)
        made = await admin.create(body)
        started = await admin.move(made.id, "start")
        listed = await admin.campaigns()
        assert made.id in {c.id for c in listed}
        return made, started
    finally:
        await client.aclose()


def _outcome(contact_id: int, attempts_before: int) -> str:
    """Every fifth customer does not answer the first call (retried), the others are informed."""
    return "no_answer" if contact_id % 5 == 0 and attempts_before == 0 else "informed"


def test_fifty_customers_two_agents_every_outcome_once(server: ServerProcess) -> None:
    sup = server.login("sup01")
    # The supervisor's side goes through the monitor's own client, as the campaigns panel does.
    body = CampaignCreate(name="e2e 50", screen="outage_notice", agents=list(AGENTS), hours=["00:00-24:00"],
                          retry_after_min=0, max_retries=1, customer_filter=CustomerFilter(limit=50))
    made, started = asyncio.run(_make_and_start(server.base, body))
    assert (made.total, made.state.value, started.state.value) == (50, "draft", "running")
    campaign = made.id

    recorded: list[tuple[str, int, int, str]] = []
    failures: list[str] = []
    lock = threading.Condition()
    deadline = time.monotonic() + DEADLINE_S
    attempts: Counter[int] = Counter()
    """Calls each customer has had: the simulated customers answer the second call."""

    def desk(agent: str) -> None:
        heads = server.login(agent)
        with httpx.Client(base_url=server.base, headers=heads, timeout=30) as client:
            while time.monotonic() < deadline:
                offered = client.post("/v1/campaigns/next")
                if offered.status_code == 204:
                    state = httpx.get(f"{server.base}/v1/campaigns/{campaign}", headers=sup, timeout=30)
                    if state.json()["state"] == "done":
                        return
                    with lock:  # the other desk holds the last ones: ask again once it records one
                        lock.wait(timeout=1.0)
                    continue
                if offered.status_code != 200:
                    failures.append(f"{agent} next: {offered.status_code} {offered.text}")
                    return
                work = offered.json()
                contact = int(work["contact_id"])
                with lock:  # counted before the outcome is posted: the retry cannot be offered sooner
                    before = attempts[contact]
                    attempts[contact] += 1
                outcome = _outcome(contact, before)
                payload = {"outcome": outcome, "call_id": f"{agent}-{contact}-{before}"}
                key = {"Idempotency-Key": f"{agent}-{contact}-{before}"}
                path = f"/v1/campaign-contacts/{contact}/outcome"
                answer = client.post(path, json=payload, headers=key)
                # A desk whose answer got lost sends the same request again: it must not count twice.
                again = client.post(path, json=payload, headers=key)
                if answer.status_code != 200 or again.json() != answer.json():
                    failures.append(f"{agent} outcome {contact}: {answer.text} / {again.text}")
                    return
                with lock:
                    recorded.append((agent, contact, int(answer.json()["attempts"]), outcome))
                    lock.notify_all()
        failures.append(f"{agent}: the campaign did not finish within {DEADLINE_S} s")

    threads = [threading.Thread(target=desk, args=(agent,)) for agent in AGENTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_S + 30)
    assert not failures, failures

    # Each (contact, attempt) was recorded by exactly one desk: no contact was held by both at once.
    pairs = Counter((contact, attempt) for _agent, contact, attempt, _outcome in recorded)
    assert set(pairs.values()) == {1}
    assert len({contact for _a, contact, _n, _o in recorded}) == 50
    assert {agent for agent, *_ in recorded} == set(AGENTS)  # both desks worked the list
    retried = sum(1 for *_, outcome in recorded if outcome == "no_answer")
    assert retried > 0

    progress = httpx.get(f"{server.base}/v1/campaigns/{campaign}", headers=sup, timeout=30).json()
    counts = (progress["state"], progress["done"], progress["pending"], progress["claimed"])
    assert counts == ("done", 50, 0, 0)
    assert progress["by_outcome"] == {"informed": 50, "no_answer": retried}
    period = {"start": (utc_now() - timedelta(hours=1)).isoformat(),
              "end": (utc_now() + timedelta(hours=1)).isoformat()}
    report: list[dict[str, Any]] = httpx.get(f"{server.base}/v1/reports/campaigns", params=period,
                                             headers=sup, timeout=30).json()
    mine = {row["outcome"]: row["count"] for row in report if row["campaign_id"] == campaign}
    assert mine == {"informed": 50, "no_answer": retried}
