"""The demo's three outbound campaigns: a planned-outage notice to an area's important customers
(running), an arrears reminder (paused) and a return-visit campaign after repairs (a draft), and one
number on the do-not-call list, so every part of the campaigns panel has something to show.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.campaigns import CampaignCreate, CampaignState, CustomerFilter, ImportedContact
from agent_tui.domain.customer import ServiceTier
from agent_tui.domain.ticket import TicketStatus, TicketType
from agent_tui.server import campaign_store
from agent_tui.server.campaign_models import CampaignContactRow, DoNotCallRow
from agent_tui.server.models import CustomerRow, TicketRow
from agent_tui.server.seed.people import AREAS

OFFICE_HOURS = ["09:00-12:00", "14:00-20:00"]
"""When the hotline calls customers (local time): not at lunch, not late in the evening."""
FIRST_TEAM = [f"agent{i:02d}" for i in range(1, 6)]
SECOND_TEAM = [f"agent{i:02d}" for i in range(6, 11)]
BY = "sup01"
IMPORTANT = [ServiceTier.DIAMOND.value, ServiceTier.GOLD.value, ServiceTier.SILVER.value]
"""The tiers an outage notice is phoned to (the others read it in the app and by SMS)."""


def seed_campaigns(session: Session, now: datetime) -> None:
    """Add the three campaigns (after the customers and tickets of the demo)."""
    outage = CampaignCreate(
        name=f"停电预告 · {AREAS[0]} 重要客户", screen="outage_notice", hours=OFFICE_HOURS, agents=FIRST_TEAM,
        customer_filter=CustomerFilter(area=AREAS[0], tiers=IMPORTANT),
        retry_after_min=30, max_retries=2,
    )
    campaign_store.insert(session, outage, BY, CampaignState.RUNNING)
    arrears = CampaignCreate(
        name="欠费催缴 · 本月", screen="arrears_reminder", hours=OFFICE_HOURS, agents=SECOND_TEAM,
        customer_filter=CustomerFilter(in_arrears=True, limit=60),
        outcomes=["promised", "paid_already", "disputed", "refused", "wrong_number", "no_answer", "busy"],
        retry_after_min=120, max_retries=3,
    )
    reminder = campaign_store.insert(session, arrears, BY, CampaignState.PAUSED)
    # A customer of the reminder asked not to be called again: the panel counts it, no desk gets it.
    last = session.execute(
        select(CampaignContactRow).where(CampaignContactRow.campaign_id == reminder.id)
        .order_by(CampaignContactRow.id.desc()).limit(1)
    ).scalar_one()
    session.add(DoNotCallRow(phone_key=last.phone_key, phone=last.phone, reason="客户要求不再来电",
                             added_by=BY, added_at=now))
    # Orders handled but not yet visited: the customers a return visit calls.
    fixed = select(TicketRow.customer_id).where(
        TicketRow.ticket_type.in_((TicketType.REPAIR.value, TicketType.COMPLAINT.value)),
        TicketRow.status.in_((TicketStatus.HANDLED.value, TicketStatus.INFORMED.value)))
    repaired = session.execute(
        select(CustomerRow.id, CustomerRow.phones, CustomerRow.name)
        .where(CustomerRow.id.in_(fixed)).order_by(CustomerRow.id).limit(40)
    ).all()
    visits = CampaignCreate(
        name="回访 · 报修与投诉", screen="return_visit", hours=OFFICE_HOURS, agents=FIRST_TEAM + SECOND_TEAM,
        contacts=[ImportedContact(phone=str(phones[0]), name=str(name), customer_id=int(cid))
                  for cid, phones, name in repaired if phones],
        outcomes=["satisfied", "unsatisfied", "not_resolved", "refused", "no_answer", "busy"],
        retry_after_min=60, max_retries=2,
    )
    campaign_store.insert(session, visits, BY)
