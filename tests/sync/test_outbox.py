"""The outbox against httpx.MockTransport: FIFO, key reuse, retries, dead letters, pause on 401."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Delivery, ItemState, LinkState, Outbox, OutboxStatus
from agent_tui.sync.retry import Backoff


async def eventually(predicate: Callable[[], bool], limit: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` on the loop until it holds; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


class Backend:
    """A mock backend whose behaviour the test switches; it records every request."""

    def __init__(self) -> None:
        self.mode: str | httpx.Response = "down"
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.created: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.mode == "down":
            raise httpx.ConnectError("connection refused")
        if isinstance(self.mode, httpx.Response):
            return self.mode
        body = json.loads(request.read())
        if body.get("bad"):
            return httpx.Response(422, json={"type": "about:blank", "title": "Unprocessable Entity",
                                             "status": 422, "detail": "subject: must not be empty"})
        key = request.headers["idempotency-key"]
        ticket_id = self.created.setdefault(key, len(self.created) + 1)
        return httpx.Response(201, json={"id": ticket_id, "n": body.get("n")})

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    def sent_numbers(self) -> list[int]:
        return [json.loads(r.read())["n"] for r in self.requests]


def make(backend: Backend, path: Path, statuses: list[OutboxStatus] | None = None,
         delivered: list[Delivery] | None = None) -> Outbox:
    client = BackendClient("http://b.test", token=SecretStr("t"), transport=httpx.MockTransport(backend))
    return Outbox(client, path, sleep=backend.sleep, backoff=Backoff(base=0.5, cap=8.0, jitter=False),
                  on_status=None if statuses is None else statuses.append,
                  on_delivered=None if delivered is None else delivered.append)


async def test_offline_queues_then_delivers_in_order_reusing_keys(tmp_path: Path) -> None:
    backend = Backend()
    statuses: list[OutboxStatus] = []
    delivered: list[Delivery] = []
    outbox = make(backend, tmp_path / "o.db", statuses, delivered)
    items = [await outbox.enqueue("POST", "/v1/tickets", {"n": n}, "ticket") for n in range(3)]
    outbox.start()
    await eventually(lambda: len(backend.sleeps) >= 5, what="a few failed tries")
    snapshot = outbox.status()
    assert snapshot.link == LinkState.OFFLINE
    assert snapshot.queued == 3
    assert snapshot.last_error is not None
    assert "ConnectError" in snapshot.last_error
    # FIFO: while the head fails, nothing behind it is tried, and its key never changes.
    assert {r.headers["idempotency-key"] for r in backend.requests} == {items[0].idempotency_key}
    assert backend.sleeps[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]  # capped exponential backoff
    backend.mode = "up"
    outbox.wake()
    await eventually(lambda: outbox.status().queued == 0, what="the queue to drain")
    await outbox.close()
    assert [d.item.body for d in delivered] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [d.response["n"] for d in delivered] == [0, 1, 2]
    assert statuses[-1].link == LinkState.ONLINE
    assert [s.queued for s in statuses if s.link == LinkState.UNKNOWN] == [1, 2, 3]


async def test_retryable_statuses_and_retry_after(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = httpx.Response(503, headers={"Retry-After": "7"})
    outbox = make(backend, tmp_path / "o.db")
    await outbox.enqueue("POST", "/v1/tickets", {"n": 1}, "ticket")
    outbox.start()
    await eventually(lambda: len(backend.sleeps) >= 1)
    assert backend.sleeps[0] == 7.0
    for status in (408, 425, 429, 500):
        backend.mode = httpx.Response(status)
        target = len(backend.requests) + 2
        await eventually(lambda: len(backend.requests) >= target, what=f"retries after {status}")  # noqa: B023
        assert outbox.status().queued == 1
        assert outbox.status().dead == 0
    backend.mode = "up"
    await eventually(lambda: outbox.status().queued == 0)
    keys = {r.headers["idempotency-key"] for r in backend.requests}
    await outbox.close()
    assert len(keys) == 1
    assert len(backend.created) == 1


async def test_4xx_goes_to_dead_letters_and_can_be_retried_or_discarded(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "up"
    outbox = make(backend, tmp_path / "o.db")
    bad = await outbox.enqueue("POST", "/v1/tickets", {"n": 1, "bad": True}, "ticket")
    await outbox.enqueue("POST", "/v1/tickets", {"n": 2}, "ticket")
    outbox.start()
    await eventually(lambda: outbox.status().queued == 0)
    assert outbox.status().dead == 1
    assert backend.sent_numbers() == [1, 2]  # the dead letter does not block the queue
    dead = await outbox.dead_letters()
    assert [d.seq for d in dead] == [bad.seq]
    assert dead[0].state == ItemState.DEAD
    assert dead[0].http_status == 422
    assert dead[0].problem is not None
    assert "subject" in dead[0].problem.detail
    assert "subject" in (outbox.status().last_error or "")

    assert await outbox.retry_dead(bad.seq)
    await eventually(lambda: outbox.status().dead == 1 and len(backend.requests) == 3)
    assert backend.requests[2].headers["idempotency-key"] == bad.idempotency_key
    assert await outbox.discard(bad.seq)
    assert not await outbox.discard(bad.seq)
    assert outbox.status().dead == 0
    assert await outbox.dead_letters() == []
    await outbox.close()


async def test_401_pauses_until_resumed(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = httpx.Response(401, json={"title": "Unauthorized", "status": 401, "detail": "expired"})
    outbox = make(backend, tmp_path / "o.db")
    await outbox.enqueue("PUT", "/v1/agents/agent01/state", {"n": 1}, "agent_state")
    outbox.start()
    await eventually(lambda: outbox.status().link == LinkState.NEEDS_LOGIN)
    await outbox.enqueue("POST", "/v1/tickets", {"n": 2}, "ticket")
    assert len(backend.requests) == 1  # paused: the new item did not wake a send
    assert outbox.status().queued == 2
    assert outbox.status().dead == 0
    backend.mode = "up"
    outbox.resume()
    await eventually(lambda: outbox.status().queued == 0)
    assert backend.sent_numbers() == [1, 1, 2]
    assert outbox.status().link == LinkState.ONLINE
    await outbox.close()


async def test_journal_survives_reopen_with_the_same_keys(tmp_path: Path) -> None:
    backend = Backend()
    first = make(backend, tmp_path / "o.db")
    made = [await first.enqueue("POST", "/v1/tickets", {"n": n, "text": "停电 ☎"}, "ticket")
            for n in range(2)]
    await first.close()
    second = make(backend, tmp_path / "o.db")
    assert second.status().queued == 2
    kept = await second.queued_items()
    assert [(i.seq, i.idempotency_key, i.body) for i in kept] == [
        (i.seq, i.idempotency_key, i.body) for i in made
    ]
    backend.mode = "up"
    second.start()
    await eventually(lambda: second.status().queued == 0)
    await second.close()
    assert [r.headers["idempotency-key"] for r in backend.requests] == [i.idempotency_key for i in made]


async def test_journal_is_wal_and_synced_by_its_own_thread(tmp_path: Path) -> None:
    outbox = make(Backend(), tmp_path / "o.db")
    assert outbox._journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._journal.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: WalSyncer fsyncs
    await outbox.close()


async def test_default_path_is_in_the_state_dir(isolated_dirs: Path) -> None:
    outbox = make(Backend(), None)  # type: ignore[arg-type]
    assert outbox.path.is_relative_to(isolated_dirs)
    assert outbox.path.name == "outbox.db"
    await outbox.close()


async def test_only_writes_are_accepted(tmp_path: Path) -> None:
    outbox = make(Backend(), tmp_path / "o.db")
    with pytest.raises(ValueError, match="writes only"):
        await outbox.enqueue("GET", "/v1/tickets", None, "x")
    with pytest.raises(ValueError, match="start with"):
        await outbox.enqueue("POST", "v1/tickets", None, "x")
    await outbox.close()


async def test_enqueue_sync_from_other_threads_wakes_the_sender(tmp_path: Path) -> None:
    backend = Backend()
    backend.mode = "up"
    delivered: list[Delivery] = []
    outbox = make(backend, tmp_path / "o.db", delivered=delivered)
    outbox.start()

    def writer(base: int) -> None:
        for n in range(base, base + 25):
            outbox.enqueue_sync("POST", "/v1/tickets", {"n": n}, "ticket")

    await asyncio.gather(*(asyncio.to_thread(writer, base) for base in (0, 100, 200, 300)))
    await eventually(lambda: len(delivered) == 100, what="100 deliveries")
    assert outbox.status().queued == 0
    await outbox.close()
    numbers = [d.item.body["n"] for d in delivered]
    assert sorted(numbers) == sorted(n for base in (0, 100, 200, 300) for n in range(base, base + 25))
    # FIFO per writer: each thread's writes arrive in the order it made them.
    for base in (0, 100, 200, 300):
        mine = [n for n in numbers if base <= n < base + 25]
        assert mine == sorted(mine)
    assert len({r.headers["idempotency-key"] for r in backend.requests}) == 100


async def test_waiting_counts_undelivered_writes_of_some_kinds(tmp_path: Path) -> None:
    """What the outbound dialer waits for: its kinds still queued; delivered ones and dead letters are not."""
    backend = Backend()
    outbox = make(backend, tmp_path / "o.db")
    outbox.enqueue_sync("POST", "/v1/x", {"n": 1}, "campaign_outcome")
    outbox.enqueue_sync("POST", "/v1/x", {"n": 2, "bad": True}, "campaign_release", durable=False)
    outbox.enqueue_sync("POST", "/v1/x", {"n": 3}, "ticket")
    assert outbox.waiting(["campaign_outcome", "campaign_release"]) == 2
    assert outbox.waiting(["ticket"]) == 1
    assert outbox.waiting([]) == 0
    outbox.start()
    try:
        await eventually(lambda: len(backend.sleeps) >= 2, what="failed tries while down")
        assert outbox.waiting(["campaign_outcome", "campaign_release"]) == 2
        backend.mode = "up"
        outbox.wake()
        await eventually(lambda: outbox.status().queued == 0, what="delivery")
        assert outbox.waiting(["campaign_outcome", "campaign_release"]) == 0  # one delivered, one dead
        assert outbox.status().dead == 1
    finally:
        await outbox.close()
