"""The dialer's item sources: callbacks against the real backend app (SQLite), campaign contacts against
a fake of the campaigns contract, and the chain that asks callbacks first."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent_tui.desk.outbound import OutboundItem, Outcome
from agent_tui.desk.outbound_items import CAMPAIGN, CallbackItems, CampaignItems, SourceChain
from agent_tui.domain.base import utc_now
from agent_tui.server.db import Database
from agent_tui.sync.client import BackendClient
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


def test_callback_items_claim_release_and_close(app: TestClient) -> None:
    db: Database = app.app.state.db  # type: ignore[attr-defined]
    first, second = add(db, "q-items", minutes_ago=30), add(db, "q-items", minutes_ago=10)
    mine = CallbackItems(through(app, "agent01"), queues=["q-items"])
    theirs = CallbackItems(through(app, "agent02"), queues=["q-items"])

    async def scenario() -> None:
        item = await mine.next_item([])
        assert item is not None
        assert (item.item_id, item.source, item.reason) == (str(first), "callback", "all_busy")
        other = await theirs.next_item([])
        assert other is not None
        assert other.item_id == str(second)
        assert await theirs.next_item([other.item_id]) is None
        assert await theirs.next_item([other.key]) is None  # a key (source:id) names it as well
        await mine.release(item, "inbound call")
        again = await theirs.next_item([other.item_id])
        assert again is not None
        assert again.item_id == str(first)
        await theirs.save(again, Outcome("reached", "paid the bill"))
        await theirs.save(other, Outcome("no_answer", "rang out", retry_at=utc_now() + timedelta(hours=1)))
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
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/campaigns/next":
            if not self.waiting:
                return httpx.Response(204)
            return httpx.Response(200, json=self.waiting.pop(0))
        _, _, _, contact, step = path.split("/")
        self.seen.append((contact, step, json.loads(request.content or b"{}")))
        return httpx.Response(200, json={})


def test_campaign_items_follow_the_contract() -> None:
    fake = FakeCampaigns([{"contact_id": 41, "campaign_id": 3, "customer_id": 9, "phone": "13500000041",
                           "name": "Wang", "screen": "outage-notice", "outcomes": ["informed", "refused"],
                           "attempts": 1}])
    source = CampaignItems(BackendClient("http://desk.test", transport=httpx.MockTransport(fake)))

    async def scenario() -> OutboundItem | None:
        item = await source.next_item([])
        assert item is not None
        assert (item.source, item.item_id, item.number, item.outcomes) == (
            CAMPAIGN, "41", "13500000041", ("informed", "refused"))
        await source.release(item, "inbound call")
        await source.save(item, Outcome("informed", "will prepare", call_id="o7"))
        return await source.next_item([])

    assert asyncio.run(scenario()) is None
    assert fake.seen == [("41", "release", {"reason": "inbound call"}),
                         ("41", "outcome", {"outcome": "informed", "note": "will prepare", "call_id": "o7"})]


def test_the_chain_offers_callbacks_first_and_sends_each_item_home(app: TestClient) -> None:
    db: Database = app.app.state.db  # type: ignore[attr-defined]
    callback = add(db, "q-chain")
    fake = FakeCampaigns([{"contact_id": "c-1", "campaign_id": 1, "phone": "13500000001"}])
    chain = SourceChain([CallbackItems(through(app, "agent01"), queues=["q-chain"]),
                         CampaignItems(BackendClient("http://c.test", transport=httpx.MockTransport(fake)))])

    async def scenario() -> None:
        first = await chain.next_item([])
        assert first is not None
        assert first.key == f"callback:{callback}"
        second = await chain.next_item([first.key])
        assert second is not None
        assert second.key == "campaign:c-1"
        await chain.release(second, "skipped")
        await chain.release(first, "skipped")

    asyncio.run(scenario())
    assert fake.seen == [("c-1", "release", {"reason": "skipped"})]
    mine = [c for c in app.get("/v1/callbacks", headers=head(app)).json()["items"] if c["id"] == callback]
    assert mine[0]["claimed_by"] is None
