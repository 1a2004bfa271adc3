"""A campaigns backend in memory for the panel's tests: made, moved, and worked a little on each read."""

from __future__ import annotations

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import CAMPAIGN_MOVES, Campaign, CampaignCreate, CampaignState
from agent_tui.ui.monitor.campaigns_model import ACTIONS


def campaign(campaign_id: int, name: str, state: str = "draft", total: int = 10, done: int = 0) -> Campaign:
    return Campaign(id=campaign_id, name=name, screen="outage_notice", state=CampaignState(state),
                    outcomes=["informed", "no_answer"], retry_outcomes=["no_answer"], retry_after_min=30,
                    max_retries=2, hours=["09:00-20:00"], agents=["agent01"], created_by="sup01",
                    created_at=utc_now(), total=total, pending=total - done, done=done,
                    by_outcome={"informed": done} if done else {})


class FakeCampaigns:
    """Each read of the list records one more outcome on every running campaign (progress to watch)."""

    def __init__(self, campaigns: list[Campaign] | None = None) -> None:
        self.items = list(campaigns or [])
        self.created: list[CampaignCreate] = []
        self.moves: list[tuple[int, str]] = []
        self.reads = 0

    async def campaigns(self) -> list[Campaign]:
        self.reads += 1
        for index, c in enumerate(self.items):
            if c.state == CampaignState.RUNNING and c.done < c.total:
                done = c.done + 1
                self.items[index] = c.model_copy(update={
                    "done": done, "pending": c.total - done, "by_outcome": {"informed": done},
                    "state": CampaignState.DONE if done == c.total else c.state})
        return list(self.items)

    async def create(self, body: CampaignCreate) -> Campaign:
        self.created.append(body)
        # Large enough that it is still running when the test pauses it, however slow the machine.
        total = len(body.contacts) if body.contacts is not None else 1000
        made = campaign(100 + len(self.created), body.name, total=total)
        self.items.insert(0, made)
        return made

    async def move(self, campaign_id: int, action: str) -> Campaign:
        self.moves.append((campaign_id, action))
        for index, c in enumerate(self.items):
            if c.id == campaign_id:
                if ACTIONS[action] not in CAMPAIGN_MOVES[c.state]:
                    raise RuntimeError("the backend refuses")
                self.items[index] = c.model_copy(update={"state": ACTIONS[action]})
                return self.items[index]
        raise LookupError(campaign_id)
