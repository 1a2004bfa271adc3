"""Typed calls of the supervisor's campaign endpoints (`/v1/campaigns`) over a logged-in `BackendClient`."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from agent_tui.domain.base import Page
from agent_tui.domain.campaigns import Campaign, CampaignCreate
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendProtocolError

_CAMPAIGN = TypeAdapter(Campaign)
_PAGE = TypeAdapter(Page[Campaign])


def _campaign(data: Any) -> Campaign:
    try:
        return _CAMPAIGN.validate_python(data)
    except ValidationError as error:
        raise BackendProtocolError(f"unexpected campaign from the backend: {error}") from error


class CampaignAdminClient:
    """Make, start, pause, finish and watch campaigns."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"CampaignAdminClient({self.client!r})"

    async def campaigns(self) -> list[Campaign]:
        """`GET /v1/campaigns`: the newest 200, with their progress."""
        data = await self.client.get_json("/v1/campaigns", {"limit": 200})
        try:
            return _PAGE.validate_python(data).items
        except ValidationError as error:
            raise BackendProtocolError(f"unexpected campaign list from the backend: {error}") from error

    async def create(self, body: CampaignCreate) -> Campaign:
        """`POST /v1/campaigns`: a draft campaign."""
        return _campaign(await self.client.write_json("POST", "/v1/campaigns",
                                                      body.model_dump(mode="json", exclude_none=True)))

    async def move(self, campaign_id: int, action: str) -> Campaign:
        """`POST /v1/campaigns/{id}/start|pause|finish`."""
        if action not in ("start", "pause", "finish"):
            raise ValueError(f"no campaign action {action!r}")
        return _campaign(await self.client.write_json("POST", f"/v1/campaigns/{int(campaign_id)}/{action}"))
