"""Campaign rows made directly in the database, for tests that need one in a given state."""

from __future__ import annotations

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import DEFAULT_OUTCOMES, DEFAULT_RETRY
from agent_tui.server.campaign_models import CampaignContactRow, CampaignRow, DoNotCallRow
from agent_tui.server.db import Database
from agent_tui.server.phones import phone_key


def campaign(db: Database, state: str, agents: list[str], numbers: list[str] | None = None) -> int:
    """A campaign in `state` (any time of day) with one pending contact per number; its id."""
    now = utc_now()
    with db.write() as session:
        row = CampaignRow(name="test", screen="outage_notice", state=state, outcomes=list(DEFAULT_OUTCOMES),
                          retry_outcomes=list(DEFAULT_RETRY), retry_after_min=0, max_retries=1,
                          hours=["00:00-24:00"], agents=agents, source={"import": 0}, created_by="sup01",
                          created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        for number in numbers or ["13900000001"]:
            session.add(CampaignContactRow(campaign_id=row.id, customer_id=None, phone=number,
                                           phone_key=phone_key(number), name="", status="pending", attempts=0,
                                           next_at=now))
        return int(row.id)


def held_contact(db: Database, holder: str) -> int:
    """A contact of a running campaign, claimed by `holder`; its id."""
    campaign_id = campaign(db, "running", [holder])
    now = utc_now()
    with db.write() as session:
        row = session.query(CampaignContactRow).filter_by(campaign_id=campaign_id).one()
        row.status, row.claimed_by, row.claimed_at = "claimed", holder, now
        return int(row.id)


def do_not_call(db: Database, number: str) -> None:
    """Put `number` on the do-not-call list."""
    with db.write() as session:
        session.add(DoNotCallRow(phone_key=phone_key(number), phone=number, reason="", added_by="sup01",
                                 added_at=utc_now()))
