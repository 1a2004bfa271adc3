"""The dialer's item sources: callbacks against the real backend app (SQLite), campaign contacts against
a fake of the campaigns contract, and the chain that asks callbacks first. Releases and outcomes go
through a real outbox (its journal in tmp_path) that delivers them to the app."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent_tui.desk.outbound import OutboundItem, Outcome
from agent_tui.desk.outbound_items import CAMPAIGN, CallbackItems, CampaignItems, SourceChain
from agent_tui.domain.base import utc_now
from agent_tui.server.db import Database
from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Outbox
from tests.server.conftest import make_client
from tests.server.test_callback_next import add


@pytest.fixture
def app(sqlite_url: str) -> Iterator[TestClient]:
    with make_client(sqlite_url) as client:
        yield client


def through(app: TestClient, username: str) -> BackendClient:
    """A desk's client whose requests the in-process app answers."""
    token = app.post("/v1/sessions", json={"username": username, "password": "demo"}).json()["token"]

    def forward(request: httpx.Request) -> httpx.Response:
        answer = app.request(request.method, request.url.path, content=request.content,
                             headers={k: v for k, v in request.headers.items() if k.lower() != "host"})
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return BackendClient("http://desk.test", token=SecretStr(token), transport=httpx.MockTransport(forward))


DEADLINE_S = 10.0


class Waiting(Protocol):
    def waiting(self) -> int: ...


async def delivered(source: Waiting) -> None:
    """Until the outbox has delivered every release and outcome of `source` (a deadline, not a sleep)."""
    deadline = time.monotonic() + DEADLINE_S
    while source.waiting():
        assert time.monotonic() < deadline, "the outbox did not deliver in time"
        await asyncio.sleep(0.01)


@asynccontextmanager
async def running(*outboxes: Outbox) -> AsyncIterator[None]:
    for outbox in outboxes:
        outbox.start()
    try:
        yield
    finally:
        for outbox in outboxes:
            await outbox.close()


def test_callback_items_claim_release_and_close(app: TestClient, tmp_path: Path) -> None:
    db: Database = app.app.state.db  # type: ignore[attr-defined]
    first, second = add(db, "q-items", minutes_ago=30), add(db, "q-items", minutes_ago=10)
    my_client, their_client = through(app, "agent01"), through(app, "agent02")

    async def scenario() -> None:
        my_outbox = Outbox(my_client, tmp_path / "a.db")
        their_outbox = Outbox(their_client, tmp_path / "b.db")
        mine = CallbackItems(my_client, my_outbox, queues=["q-items"])
        theirs = CallbackItems(their_client, their_outbox, queues=["q-items"])
        async with running(my_outbox, their_outbox):
            await walk(mine, theirs)

    async def walk(mine: CallbackItems, theirs: CallbackItems) -> None:
        item = await mine.next_item([])
        assert item is not None
        assert (item.item_id, item.source, item.reason) == (str(first), "callback", "all_busy")
        other = await theirs.next_item([])
        assert other is not None
        assert other.item_id == str(second)
        assert await theirs.next_item([other.item_id]) is None
        assert await theirs.next_item([other.key]) is None  # a key (source:id) names it as well
        mine.release(item, "inbound call")
        assert mine.waiting() == 1  # journalled: the release waits for the sender
        await delivered(mine)
        again = await theirs.next_item([other.item_id])
        assert again is not None
        assert again.item_id == str(first)
        theirs.save(again, Outcome("reached", "paid the bill"))
        theirs.save(other, Outcome("no_answer", "rang out", retry_at=utc_now() + timedelta(hours=1)))
        await delivered(theirs)
        assert await mine.next_item([]) is None

    asyncio.run(scenario())
    done = app.get("/v1/callbacks?status=done", headers=head(app)).json()["items"]
    assert [(c["id"], c["note"]) for c in done if c["queue"] == "q-items"] == [(first, "paid the bill")]
    waiting = [c for c in app.get("/v1/callbacks", headers=head(app)).json()["items"] if c["id"] == second]
    assert waiting[0]["status"] == "open"
    assert waiting[0]["due_at"] is not None


def head(app: TestClient) -> dict[str, str]:
    token = app.post("/v1/sessions", json={"username": "sup01", "password": "demo"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


class FakeCampaigns:
    """The campaigns contract, in memory: contacts handed out once, outcomes and releases recorded."""

    def __init__(self, contacts: list[dict[str, Any]]) -> None:
        self.waiting = contacts
        self.seen: list[tuple[str, str, dict[str, Any], str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/campaigns/next":
            if not self.waiting:
                return httpx.Response(204)
            return httpx.Response(200, json=self.waiting.pop(0))
        _, _, _, contact, step = path.split("/")
        self.seen.append((contact, step, json.loads(request.content or b"{}"),
                          request.headers.get("Idempotency-Key")))
        return httpx.Response(200, json={})


def test_campaign_items_follow_the_contract(tmp_path: Path) -> None:
    fake = FakeCampaigns([{"contact_id": 41, "campaign_id": 3, "customer_id": 9, "phone": "13500000041",
                           "name": "Wang", "screen": "outage-notice", "outcomes": ["informed", "refused"],
                           "attempts": 1}])
    client = BackendClient("http://desk.test", transport=httpx.MockTransport(fake))

    async def scenario() -> OutboundItem | None:
        outbox = Outbox(client, tmp_path / "outbox.db")
        source = CampaignItems(client, outbox)
        item = await source.next_item([])
        assert item is not None
        assert (item.source, item.item_id, item.number, item.outcomes) == (
            CAMPAIGN, "41", "13500000041", ("informed", "refused"))
        release = source.release(item, "inbound call")
        outcome = source.save(item, Outcome("informed", "will prepare", call_id="o7"))
        assert source.waiting() == 2  # journalled, not sent: the sender is not running yet
        assert not fake.seen
        async with running(outbox):
            await delivered(source)
        assert [key for _, _, _, key in fake.seen] == [release, outcome]  # in order, each with its key
        return await source.next_item([])

    assert asyncio.run(scenario()) is None
    assert [seen[:3] for seen in fake.seen] == [
        ("41", "release", {"reason": "inbound call"}),
        ("41", "outcome", {"outcome": "informed", "note": "will prepare", "call_id": "o7"})]


def test_the_chain_offers_callbacks_first_and_sends_each_item_home(app: TestClient, tmp_path: Path) -> None:
    db: Database = app.app.state.db  # type: ignore[attr-defined]
    callback = add(db, "q-chain")
    fake = FakeCampaigns([{"contact_id": "c-1", "campaign_id": 1, "phone": "13500000001"}])
    desk_client = through(app, "agent01")
    campaigns = BackendClient("http://c.test", transport=httpx.MockTransport(fake))

    async def scenario() -> None:
        # Two outboxes only because the fake campaigns live at another address than the app.
        desk_outbox = Outbox(desk_client, tmp_path / "a.db")
        campaign_outbox = Outbox(campaigns, tmp_path / "b.db")
        chain = SourceChain([CallbackItems(desk_client, desk_outbox, queues=["q-chain"]),
                             CampaignItems(campaigns, campaign_outbox)])
        async with running(desk_outbox, campaign_outbox):
            await walk(chain)

    async def walk(chain: SourceChain) -> None:
        first = await chain.next_item([])
        assert first is not None
        assert first.key == f"callback:{callback}"
        second = await chain.next_item([first.key])
        assert second is not None
        assert second.key == "campaign:c-1"
        chain.release(second, "skipped")
        chain.release(first, "skipped")
        assert chain.waiting() == 2
        await delivered(chain)

    asyncio.run(scenario())
    assert [seen[:3] for seen in fake.seen] == [("c-1", "release", {"reason": "skipped"})]
    mine = [c for c in app.get("/v1/callbacks", headers=head(app)).json()["items"] if c["id"] == callback]
    assert mine[0]["claimed_by"] is None
