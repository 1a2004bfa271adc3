"""Where the outbound dialer's work comes from: callbacks (source 1) and campaign contacts (source 2).

A source hands out one item at a time, claimed for this agent by the backend (so two desks never get
the same one), takes it back with a reason, and records its outcome. `SourceChain` asks its sources in
order: a waiting callback comes before a campaign contact.

Asking for an item is a plain request (nothing is lost when it fails: the dialer asks again later).
A release and an outcome are writes the agent must not lose: they go into the desk's outbox (`WriteQueue`,
journalled on disk before the call returns, sent in order with one Idempotency-Key until the backend
takes them), and `waiting` counts those not delivered yet, for the dialer's rule that nothing is asked
for meanwhile.

The campaign contract (built by the campaigns backend):
`POST /v1/campaigns/next` → 200 `CampaignContact` or 204 when nothing is for this agent now;
`POST /v1/campaign-contacts/{contact_id}/outcome` {outcome, note, call_id};
`POST /v1/campaign-contacts/{contact_id}/release` {reason}.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agent_tui.desk.outbound import OutboundItem, Outcome
from agent_tui.domain.callback_work import CallbackNext, CallbackRelease, CallbackReschedule
from agent_tui.domain.callbacks import Callback, CallbackDone
from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox_journal import OutboxItem

REACHED = "reached"
"""The outcome code of a callback whose customer was reached (any other code closes it as not reached)."""
CALLBACK = "callback"
CAMPAIGN = "campaign"
CALLBACK_KINDS = ("callback_release", "callback_reschedule", "callback_done")
"""The outbox kinds of a callback's release and outcomes (`callback_done` also closes one called back from
the callbacks list: while that waits, the backend would still hand the callback to this agent first)."""
CAMPAIGN_KINDS = ("campaign_release", "campaign_outcome")
"""The outbox kinds of a campaign contact's release and outcome."""
RELEASE_DURABLE = False
"""A release is committed but not waited for on the disk (the desk's own bookkeeping, like a state
change: a power cut in the next few ms leaves the item claimed until its hold runs out); an outcome,
which the agent chose, is fsynced before the dialer goes on."""


class WriteQueue(Protocol):
    """The desk's outbox, as the sources use it (`agent_tui.sync.outbox.Outbox`)."""

    def enqueue_sync(self, method: str, path: str, json_body: Any, kind: str, *,
                     durable: bool = True) -> OutboxItem:
        """Journal a write (delivered later, once, in order)."""

    def waiting(self, kinds: Collection[str]) -> int:
        """Writes of these kinds not delivered yet (dead letters are not waiting)."""


class OutboundSource(Protocol):
    """One kind of outbound work."""

    name: str
    """The `OutboundItem.source` of its items."""

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        """Claim the next item for this agent (not one of `skip`, item ids); None: nothing now."""

    def release(self, item: OutboundItem, reason: str) -> str:
        """Queue giving the item back, with the reason; the write's reference (its Idempotency-Key)."""

    def save(self, item: OutboundItem, outcome: Outcome) -> str:
        """Queue the outcome (the item is closed, or rescheduled when `outcome.retry_at` is set); its
        reference."""

    def waiting(self) -> int:
        """Releases and outcomes of this source queued and not delivered yet."""


class CallbackItems:
    """Callbacks waiting in this agent's queues (`POST /v1/callbacks/next`)."""

    name = CALLBACK

    def __init__(self, client: BackendClient, writes: WriteQueue, queues: Sequence[str] = ()) -> None:
        self.client = client
        self.writes = writes
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

    def release(self, item: OutboundItem, reason: str) -> str:
        """Open again for anyone."""
        return self.writes.enqueue_sync(
            "POST", f"/v1/callbacks/{int(item.item_id)}/release",
            CallbackRelease(reason=reason[:200]).model_dump(mode="json"), "callback_release",
            durable=RELEASE_DURABLE).idempotency_key

    def save(self, item: OutboundItem, outcome: Outcome) -> str:
        """Reschedule it (`retry_at`), or close it as reached or not."""
        if outcome.retry_at is not None:
            body = CallbackReschedule(due_at=outcome.retry_at, note=outcome.note[:200])
            return self.writes.enqueue_sync(
                "POST", f"/v1/callbacks/{int(item.item_id)}/reschedule", body.model_dump(mode="json"),
                "callback_reschedule").idempotency_key
        done = CallbackDone(note=outcome.note[:200], reached=outcome.code == REACHED)
        return self.writes.enqueue_sync("POST", f"/v1/callbacks/{int(item.item_id)}/done",
                                        done.model_dump(mode="json"), "callback_done").idempotency_key

    def waiting(self) -> int:
        """Callback releases and outcomes (and closes) in the outbox."""
        return self.writes.waiting(CALLBACK_KINDS)


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

    def __init__(self, client: BackendClient, writes: WriteQueue) -> None:
        self.client = client
        self.writes = writes

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

    def release(self, item: OutboundItem, reason: str) -> str:
        """Back to the campaign."""
        return self.writes.enqueue_sync("POST", self._path(item, "release"), {"reason": reason[:200]},
                                        "campaign_release", durable=RELEASE_DURABLE).idempotency_key

    def save(self, item: OutboundItem, outcome: Outcome) -> str:
        """The campaign's outcome code (the campaign's retry rule decides any next attempt)."""
        body = {"outcome": outcome.code, "note": outcome.note[:200], "call_id": outcome.call_id}
        return self.writes.enqueue_sync("POST", self._path(item, "outcome"), body,
                                        "campaign_outcome").idempotency_key

    def waiting(self) -> int:
        """Campaign releases and outcomes in the outbox."""
        return self.writes.waiting(CAMPAIGN_KINDS)


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

    def release(self, item: OutboundItem, reason: str) -> str:
        """Back to where it came from."""
        return self._of(item).release(item, reason)

    def save(self, item: OutboundItem, outcome: Outcome) -> str:
        """To where it came from."""
        return self._of(item).save(item, outcome)

    def waiting(self) -> int:
        """Every source's releases and outcomes not delivered yet."""
        return sum(source.waiting() for source in self.sources)
