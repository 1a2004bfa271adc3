"""200 work orders while the backend is SIGKILLed and the submitting desk is SIGKILLed halfway: after
both come back, every order exists exactly once.

The orders go through the desk's own `OutboxWrites.submit_ticket` in a driver process
(tests/faults/outbox_driver.py; submitting by keys through the form is tested in the UI variant
below with 5 orders). The driver journals to `state_dir()/outbox.db` under this test's XDG_STATE_HOME,
so the second driver resumes the first one's journal, as a restarted desk does.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backend import DEMO_PASSWORD, ApiClient, RealBackend
from tests.faults.outbox_driver import AGENT, description
from tests.faults.processes import JsonProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

ORDERS = 200
HALF = ORDERS // 2


def marked_tickets(api: ApiClient, customer_id: int, marker: str) -> list[dict[str, Any]]:
    """The customer's tickets made by this test run."""
    return [t for t in api.tickets_of(customer_id) if t["description"].startswith(marker)]


def driver(backend: RealBackend, customer_id: int, marker: str, start: int, stop: int, tmp_path: Path,
           drain: bool = False) -> JsonProcess:
    """An outbox driver submitting orders [start, stop) on this test's state folder."""
    env = dict(os.environ)
    env["AGENT_TUI_PASSWORD"] = DEMO_PASSWORD
    args = ["--url", backend.url, "--customer", str(customer_id), "--marker", marker,
            "--start", str(start), "--stop", str(stop), "--interval", "0.01"]
    if drain:
        args.append("--drain")
    return JsonProcess("tests.faults.outbox_driver", args, env, tmp_path / f"driver-{start}.err")


def test_200_orders_land_exactly_once_through_backend_and_desk_kills(
    backend: RealBackend, tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    customer = api.single_match_customer()
    api.close()
    marker = f"faults-{uuid.uuid4().hex[:10]}"
    drivers: list[JsonProcess] = []
    try:
        first = driver(backend, customer["id"], marker, 0, HALF, tmp_path)
        drivers.append(first)
        assert first.until("ready", 30)["queued"] == 0, "a fresh journal"
        first.until("enqueued", 30, index=HALF * 2 // 5)
        backend.kill()  # mid-stream: some orders delivered, the rest queue up on disk
        first.until("all_enqueued", 30)
        backend.start()
        api = backend.client(AGENT)
        # Let the first driver deliver part of its backlog, then kill it in the middle of delivering.
        wait_for(lambda: len(marked_tickets(api, customer["id"], marker)) >= HALF * 3 // 5, 60, interval=0.02,
                 message="the first driver delivering its backlog")
        first.kill()
        landed_before = len(marked_tickets(api, customer["id"], marker))
        assert landed_before < HALF, "the driver was to be killed with orders still queued"

        second = driver(backend, customer["id"], marker, HALF, ORDERS, tmp_path, drain=True)
        drivers.append(second)
        resumed = second.until("ready", 30)["queued"]
        assert resumed >= HALF - landed_before, "the restarted desk resumes the killed one's journal"
        second.until("drained", 120)
        assert second.wait(15) == 0

        api.close()
        api = backend.client(AGENT)
        found = Counter(t["description"] for t in marked_tickets(api, customer["id"], marker))
        expected = {description(marker, index) for index in range(ORDERS)}
        missing = sorted(expected - set(found))
        doubled = sorted(text for text, count in found.items() if count > 1)
        assert not missing, f"{len(missing)} orders lost: {missing[:5]}"
        assert not doubled, f"{len(doubled)} orders twice: {doubled[:5]}"
        assert set(found) == expected
        api.close()
    finally:
        for process in drivers:
            process.stop()
        leftovers = [pid for process in drivers for pid in process.leftover_pids()]
        assert not leftovers, f"driver processes left running: {leftovers}"
