"""The demo's repair centre: plans with some late steps, and, run against the real server as its own
process with time compressed, it issues a desk's repair order and moves it to fixed through the field
API (seeded history left alone)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent_tui.demo.repair_centre import plan_order
from agent_tui.demo.stack import DemoStack
from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import FieldStep
from tests.server.process import ServerProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.timeout(240)

LIMIT_MINUTES = {FieldStep.ACCEPT: SlaLimits().ef, FieldStep.DEPART: SlaLimits().fg,
                 FieldStep.ON_SITE: SlaLimits().gh}


def test_plans_walk_the_life_cycle_with_some_steps_late() -> None:
    rng = random.Random(7)
    plans = [plan_order(rng, SlaLimits()) for _ in range(400)]
    late = on_time = recalled = 0
    for plan in plans:
        steps = [p.step for p in plan]
        if steps[-1] == FieldStep.RECALL:
            recalled += 1
            continue
        assert steps[0] == FieldStep.RECEIVE
        assert steps[-1] == FieldStep.FIXED
        assert steps.index(FieldStep.DISPATCH) < steps.index(FieldStep.ACCEPT)
        for planned in plan:
            if planned.step in LIMIT_MINUTES:
                if planned.after_s > LIMIT_MINUTES[planned.step] * 60:
                    late += 1
                else:
                    on_time += 1
    assert 0.1 < late / (late + on_time) < 0.5, (late, on_time)
    assert 0 < recalled < 60


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


def test_the_repair_centre_moves_a_filed_order_to_fixed(server: ServerProcess, tmp_path: Path) -> None:
    progress: list[str] = []
    # Started as `agent-tui demo` starts it, 2,000 times faster: a 28-minute segment takes under a second.
    with DemoStack(tmp_path / "demo", progress.append) as stack:
        stack.start_repair_centre(server.base, speed=2000)
        agent = server.login("agent01")
        filed = httpx.post(f"{server.base}/v1/tickets", headers=agent,
                           json={"ticket_type": "repair", "customer_id": 1, "subject": "demo"}).json()

        def finished() -> dict[str, Any] | None:
            url = f"{server.base}/v1/tickets/{filed['id']}"
            ticket: dict[str, Any] = httpx.get(url, headers=agent).json()
            moved = [e for e in ticket["timeline"] if e["by"] != "notify"]
            done = ticket["status"] in ("handled", "recalled") and len(moved) > 3
            return ticket if done else None

        ticket = wait_for(finished, timeout=120, interval=0.2, message="the repair centre to fix the order")
    assert any("repair centre" in line for line in progress)
    # The steps (the notifier's notes on the customer's messages left out).
    moves = [e for e in ticket["timeline"] if e["by"] != "notify"]
    steps = [(e["status"], e["by"]) for e in moves]
    assert steps[:2] == [("created", "agent01"), ("issued", "dispatch01")]
    assert all(by == "field01" for status, by in steps[2:])
    assert ticket["status"] == "handled", steps  # the centre's first plan has no recall
    times = [e["at"] for e in moves]
    assert times == sorted(times)
    # The seeded history was left alone: no other order has a step by the centre.
    everything = httpx.get(f"{server.base}/v1/tickets", params={"type": "repair", "limit": 1000},
                           headers=agent).json()["items"]
    service_users = {"field01", "dispatch01"}
    moved = {t["number"] for t in everything if any(e["by"] in service_users for e in t["timeline"])}
    assert moved == {filed["number"]}
