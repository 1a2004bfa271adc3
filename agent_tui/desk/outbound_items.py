"""Where the outbound dialer's work comes from: callbacks (source 1) and campaign contacts (source 2).

A source hands out one item at a time, claimed for this agent by the backend (so two desks never get
the same one), takes it back with a reason, and records its outcome. `SourceChain` asks its sources in
order: a waiting callback comes before a campaign contact.

The campaign contract (built by the campaigns backend):
`POST /v1/campaigns/next` → 200 `CampaignContact` or 204 when nothing is for this agent now;
`POST /v1/campaign-contacts/{contact_id}/outcome` {outcome, note, call_id};
`POST /v1/campaign-contacts/{contact_id}/release` {reason}.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agent_tui.desk.outbound import OutboundItem, Outcome
from agent_tui.domain.callback_work import CallbackNext, CallbackRelease, CallbackReschedule
from agent_tui.domain.callbacks import Callback, CallbackDone
from agent_tui.sync.client import BackendClient

REACHED = "reached"
"""The outcome code of a callback whose customer was reached (any other code closes it as not reached)."""
CALLBACK = "callback"
CAMPAIGN = "campaign"


class OutboundSource(Protocol):
    """One kind of outbound work."""

    name: str
    """The `OutboundItem.source` of its items."""

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        """Claim the next item for this agent (not one of `skip`, item ids); None: nothing now."""

    async def release(self, item: OutboundItem, reason: str) -> None:
        """Give the item back, with the reason."""

    async def save(self, item: OutboundItem, outcome: Outcome) -> None:
        """Record the outcome: the item is closed, or rescheduled when `outcome.retry_at` is set."""


class CallbackItems:
    """Callbacks waiting in this agent's queues (`POST /v1/callbacks/next`)."""

    name = CALLBACK

    def __init__(self, client: BackendClient, queues: Sequence[str] = ()) -> None:
        self.client = client
        self.queues = list(queues)

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        """The oldest due callback, claimed for this agent."""
        ids = [key.removeprefix(f"{CALLBACK}:") for key in skip]  # bare ids, or keys when used alone
        ask = CallbackNext(queues=self.queues, skip=[int(i) for i in ids if i.isdigit()])
        data = await self.client.write_json("POST", "/v1/callbacks/next", ask.model_dump(mode="json"))
        if data is None:
            return None
        found = TypeAdapter(Callback).validate_python(data)
        return OutboundItem(source=CALLBACK, item_id=str(found.id), number=found.number,
                            name=found.customer_name or "", customer_id=found.customer_id,
                            reason=found.reason.value, waiting_since=found.queued_at,
                            voicemail=found.voicemail)

    async def release(self, item: OutboundItem, reason: str) -> None:
        """Open again for anyone."""
        await self.client.write_json("POST", f"/v1/callbacks/{int(item.item_id)}/release",
                                     CallbackRelease(reason=reason[:200]).model_dump(mode="json"))

    async def save(self, item: OutboundItem, outcome: Outcome) -> None:
        """Reschedule it (`retry_at`), or close it as reached or not."""
        if outcome.retry_at is not None:
            body = CallbackReschedule(due_at=outcome.retry_at, note=outcome.note[:200])
            await self.client.write_json("POST", f"/v1/callbacks/{int(item.item_id)}/reschedule",
                                         body.model_dump(mode="json"))
            return
        done = CallbackDone(note=outcome.note[:200], reached=outcome.code == REACHED)
        await self.client.write_json("POST", f"/v1/callbacks/{int(item.item_id)}/done",
                                     done.model_dump(mode="json"))


class CampaignContact(BaseModel):
    """The answer of `POST /v1/campaigns/next` (extra fields a newer backend adds are ignored)."""

    model_config = ConfigDict(extra="ignore")
    contact_id: int | str
    campaign_id: int | str
    customer_id: int | None = None
    phone: str
    name: str = ""
    screen: str = ""
    outcomes: list[str] = []


class CampaignItems:
    """Contacts of the campaigns this agent is assigned to (the backend honours do-not-call and hours)."""

    name = CAMPAIGN

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        """The next contact the backend gives this agent (it does its own rotation: `skip` is not sent)."""
        data = await self.client.write_json("POST", "/v1/campaigns/next")
        if data is None:
            return None
        contact = CampaignContact.model_validate(data)
        return OutboundItem(source=CAMPAIGN, item_id=str(contact.contact_id), number=contact.phone,
                            name=contact.name, customer_id=contact.customer_id,
                            reason=str(contact.campaign_id), outcomes=tuple(contact.outcomes),
                            screen=contact.screen)

    def _path(self, item: OutboundItem, step: str) -> str:
        return f"/v1/campaign-contacts/{quote(item.item_id, safe='')}/{step}"

    async def release(self, item: OutboundItem, reason: str) -> None:
        """Back to the campaign."""
        await self.client.write_json("POST", self._path(item, "release"), {"reason": reason[:200]})

    async def save(self, item: OutboundItem, outcome: Outcome) -> None:
        """The campaign's outcome code (the campaign's retry rule decides any next attempt)."""
        body = {"outcome": outcome.code, "note": outcome.note[:200], "call_id": outcome.call_id}
        await self.client.write_json("POST", self._path(item, "outcome"), body)


class SourceChain:
    """Several sources asked in order; an item's release and outcome go back to the source it came from."""

    name = "chain"

    def __init__(self, sources: Sequence[OutboundSource]) -> None:
        self.sources = list(sources)

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        """The first source's item, else the next source's. `skip` holds `source:id` keys."""
        for source in self.sources:
            prefix = f"{source.name}:"
            own = [key[len(prefix):] for key in skip if key.startswith(prefix)]
            item = await source.next_item(own)
            if item is not None:
                return item
        return None

    def _of(self, item: OutboundItem) -> OutboundSource:
        for source in self.sources:
            if source.name == item.source:
                return source
        raise KeyError(f"no outbound source {item.source!r}")

    async def release(self, item: OutboundItem, reason: str) -> None:
        """Back to where it came from."""
        await self._of(item).release(item, reason)

    async def save(self, item: OutboundItem, outcome: Outcome) -> None:
        """To where it came from."""
        await self._of(item).save(item, outcome)
