"""A campaign worked back to back: from the agent giving an outcome to the dialer free to ask for the next.

The dialer asks for no new contact while its outcome is on its way (the backend hands an agent the
contact they still hold first). Since session 5 the outcome goes through the desk's outbox (journalled
and fsynced on the UI thread, delivered by the sender, the delivery reported back) instead of one direct
request; this measures what that costs a campaign agent, against the real reference backend (its own
process, SQLite, demo seed) with a campaign of `--contacts` contacts for agent01:

- `outcome_to_free_ms`: from the outcome given to the dialer allowed to ask again (p50, p95): the direct
  request's answer (before), or the outbox's delivery report (after);
- `outcome_ui_ms`: the time the outcome key's handler itself takes on the UI thread (p50, p95): creating
  the request's task (before), or the task that journals it on a thread (after);
- `outcome_journal_ms` (after only): the journal's commit and fsync on that thread, until "Outcome queued."
  (done on the UI thread it cost 7 ms p50 / 19 ms p95 under load 7.6: why it moved to a thread).

Runs against whichever desk code is on PYTHONPATH (the source's `save` is a coroutine before, plain after).

    .venv/bin/python -m bench.outbound_outcome [--contacts N]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from agent_tui.desk.outbound import Outcome
from agent_tui.desk.outbound_items import CampaignItems
from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Delivery, Outbox
from bench.report import Figure, emit
from tests.server.process import ServerProcess

AGENT = "agent01"


def make_campaign(server: ServerProcess, contacts: int) -> None:
    """The demo's running campaigns paused; one of `contacts` numbers for AGENT, started."""
    sup = server.login("sup01")
    with httpx.Client(base_url=server.base, headers=sup, timeout=30) as http:
        for running in http.get("/v1/campaigns", params={"state": "running"}).json()["items"]:
            http.post(f"/v1/campaigns/{running['id']}/pause").raise_for_status()
        made = http.post("/v1/campaigns", json={
            "name": "bench", "screen": "outage_notice", "agents": [AGENT], "hours": ["00:00-24:00"],
            "contacts": [{"phone": f"1370001{n:04d}"} for n in range(contacts)]})
        made.raise_for_status()
        http.post(f"/v1/campaigns/{made.json()['id']}/start").raise_for_status()


async def work(base: str, journal: Path, contacts: int) -> tuple[list[float], list[float], list[float]]:
    """Every contact: next, then the outcome; (outcome to free, the handler's own time, the journal's
    time) in seconds."""
    client = BackendClient(base)
    await client.login(AGENT, SecretStr("demo"))
    delivered = asyncio.Event()

    def told(_delivery: Delivery) -> None:
        delivered.set()

    outbox = Outbox(client, journal, on_delivered=told)
    queued = not inspect.iscoroutinefunction(CampaignItems.save)
    source: Any = CampaignItems(client, outbox) if queued else CampaignItems(client)  # type: ignore[call-arg]
    outbox.start()
    to_free: list[float] = []
    handler: list[float] = []
    journalled: list[float] = []
    try:
        for _ in range(contacts):
            item = await source.next_item([])
            assert item is not None, "the campaign ran out"
            outcome = Outcome("informed", "", f"bench-{item.item_id}")
            delivered.clear()
            began = time.perf_counter()
            if queued:  # as DeskOutbound._send: the journal's commit and fsync on a thread
                task = asyncio.get_running_loop().create_task(asyncio.to_thread(source.save, item, outcome))
                handler.append(time.perf_counter() - began)
                await task
                journalled.append(time.perf_counter() - began)
                await delivered.wait()  # the outbox's report: the desk hands the dialer the count then
            else:
                task = asyncio.get_running_loop().create_task(source.save(item, outcome))
                handler.append(time.perf_counter() - began)
                await task  # the answer: the dialer was told `written`
            to_free.append(time.perf_counter() - began)
        assert await source.next_item([]) is None
    finally:
        await outbox.close()
        await client.aclose()
    return to_free, handler, journalled


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-outbound-") as folder:
        workdir = Path(folder)
        server = ServerProcess(f"sqlite:///{workdir / 'server.db'}", workdir)
        server.start()
        try:
            make_campaign(server, args.contacts)
            to_free, handler, journalled = asyncio.run(work(server.base, workdir / "outbox.db",
                                                            args.contacts))
        finally:
            server.stop()
    more = [Figure("outcome_journal_p50", pct(journalled, 0.5), "ms"),
            Figure("outcome_journal_p95", pct(journalled, 0.95), "ms")] if journalled else []
    emit("outbound_outcome", [
        Figure("outcome_to_free_p50", pct(to_free, 0.5), "ms"),
        Figure("outcome_to_free_p95", pct(to_free, 0.95), "ms"),
        Figure("outcome_ui_p50", pct(handler, 0.5), "ms", "<= 16 ms (a frame)", pct(handler, 0.5) <= 16),
        Figure("outcome_ui_p95", pct(handler, 0.95), "ms", "<= 16 ms (a frame)", pct(handler, 0.95) <= 16),
        *more,
    ], contacts=args.contacts, mean_to_free_ms=statistics.fmean(to_free) * 1000)


if __name__ == "__main__":
    main()
