"""Tables of outbound campaigns: campaigns, their contacts, each recorded call, and do-not-call numbers.

Kept apart from models.py (which imports this module at its end, so `Base.metadata` has every table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agent_tui.server.models import Base, BigId


class CampaignRow(Base):
    """One campaign; `outcomes`, `retry_outcomes`, `hours` and `agents` are JSON lists."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    screen: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), index=True)
    outcomes: Mapped[list[Any]]
    retry_outcomes: Mapped[list[Any]]
    retry_after_min: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)
    hours: Mapped[list[Any]]
    agents: Mapped[list[Any]]
    source: Mapped[dict[str, Any]]
    """The filter the list was made from, or {"import": rows}: shown to supervisors, never re-run."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CampaignContactRow(Base):
    """One number to call in a campaign: pending (due at `next_at`), claimed by one agent, or done."""

    __tablename__ = "campaign_contacts"
    __table_args__ = (Index("ix_campaign_contacts_due", "campaign_id", "status", "next_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(32))
    phone_key: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None]


class CampaignCallRow(Base):
    """One recorded outcome of a contact: attempt n is recorded once (the unique key says so)."""

    __tablename__ = "campaign_calls"
    __table_args__ = (UniqueConstraint("contact_id", "attempt", name="uq_campaign_calls_attempt"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("campaign_contacts.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(String(128))
    agent: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


class DoNotCallRow(Base):
    """A number that no campaign ever offers (kept by its normalised key)."""

    __tablename__ = "do_not_call"
    phone_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
