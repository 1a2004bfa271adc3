"""Outbound campaigns (停电预告、欠费催缴、回访): the contract between backend, monitor and desk.

A campaign is a list of contacts (customers picked by a filter, or rows of an imported CSV), the call
screen the agent follows, the outcome codes the agent may record, the local hours when customers may be
called, and a retry rule for outcomes that did not reach the customer. Agents assigned to a running
campaign ask for their next contact (`CampaignWork`); each contact is held by one agent at a time.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from agent_tui.domain.base import Model, ShortText


class CampaignState(StrEnum):
    """Where a campaign stands: only a running one hands out work."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


CAMPAIGN_MOVES: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.RUNNING, CampaignState.DONE}),
    CampaignState.RUNNING: frozenset({CampaignState.PAUSED, CampaignState.DONE}),
    CampaignState.PAUSED: frozenset({CampaignState.RUNNING, CampaignState.DONE}),
    CampaignState.DONE: frozenset(),
}
"""State → the states a supervisor may move it to (the one copy of this rule)."""


class ContactStatus(StrEnum):
    """Where one contact of a campaign stands."""

    PENDING = "pending"
    """Waiting to be offered (now, or at `next_at` after a retry outcome)."""
    CLAIMED = "claimed"
    """Offered to one agent, who is calling."""
    DONE = "done"
    """A final outcome was recorded (or the retries ran out)."""


Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
"""An outcome code: lower-case letters, digits and underscores (stored and reported as is)."""

DEFAULT_OUTCOMES = ("informed", "refused", "wrong_number", "no_answer", "busy")
DEFAULT_RETRY = ("no_answer", "busy")

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_window(text: str) -> tuple[time, time | None]:
    """`HH:MM-HH:MM` → (start, end); an end of 24:00 is None (to midnight). ValueError when malformed."""
    found = _WINDOW.match(text.strip())
    if found is None:
        raise ValueError(f"calling hours {text!r}: expected HH:MM-HH:MM")
    start = time(int(found[1]), int(found[2]))
    if found[3] == "24":
        if found[4] != "00":
            raise ValueError(f"calling hours {text!r}: 24:00 is the latest end")
        return start, None
    end = time(int(found[3]), int(found[4]))
    if end <= start:
        raise ValueError(f"calling hours {text!r}: the end must be after the start")
    return start, end


def within_hours(windows: list[str], local: datetime) -> bool:
    """True when the local wall-clock time `local` falls in one of the windows (start inclusive)."""
    now = local.time().replace(tzinfo=None)
    for window in windows:
        start, end = parse_window(window)
        if start <= now and (end is None or now < end):
            return True
    return False


class CustomerFilter(Model):
    """Which customers a campaign calls: every criterion given must hold."""

    area: ShortText | None = None
    """Exactly this area (as on the customer record)."""
    tiers: list[ShortText] = Field(default_factory=list, max_length=10)
    """Any of these service tiers (empty: every tier)."""
    in_arrears: bool = False
    """Only customers who owe money."""
    limit: int = Field(default=500, ge=1, le=5000)
    """At most this many customers (lowest customer id first)."""


class ImportedContact(Model):
    """One row of an imported list: a number to call and a name to greet."""

    phone: Annotated[str, Field(min_length=3, max_length=32)]
    name: ShortText = ""
    customer_id: int | None = None


class CampaignCreate(Model):
    """What a supervisor gives to make a campaign (in the draft state)."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    screen: Annotated[str, Field(min_length=1, max_length=64)]
    """Id of the call screen (screens/*.toml) the agent follows."""
    outcomes: list[Code] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1, max_length=20)
    retry_outcomes: list[Code] = Field(default_factory=lambda: list(DEFAULT_RETRY), max_length=20)
    """Outcomes that did not reach the customer: the contact is called again after `retry_after_min`."""
    retry_after_min: int = Field(default=60, ge=0, le=7 * 24 * 60)
    max_retries: int = Field(default=2, ge=0, le=20)
    """How many times a contact is called again; after that a retry outcome is final."""
    hours: list[str] = Field(default_factory=lambda: ["09:00-12:00", "14:00-20:00"], min_length=1,
                             max_length=6)
    """Local calling windows `HH:MM-HH:MM` (the backend's time zone)."""
    agents: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=200)
    """Usernames who get this campaign's contacts."""
    customer_filter: CustomerFilter | None = None
    contacts: list[ImportedContact] | None = Field(default=None, max_length=5000)
    """An imported list instead of a filter (the monitor reads it from a CSV file)."""

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for window in value:
            parse_window(window)
        return [window.strip() for window in value]

    @model_validator(mode="after")
    def _one_source(self) -> CampaignCreate:
        if (self.customer_filter is None) == (self.contacts is None):
            raise ValueError("give either customer_filter or contacts")
        stray = set(self.retry_outcomes) - set(self.outcomes)
        if stray:
            raise ValueError(f"retry outcomes not among the outcomes: {sorted(stray)}")
        if len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError("outcome codes repeat")
        return self


class Campaign(Model):
    """A campaign as supervisors see it, with its progress."""

    id: int
    name: str
    screen: str
    state: CampaignState
    outcomes: list[str]
    retry_outcomes: list[str]
    retry_after_min: int
    max_retries: int
    hours: list[str]
    agents: list[str]
    created_by: str
    created_at: datetime
    total: int = 0
    """Contacts in the list."""
    pending: int = 0
    claimed: int = 0
    done: int = 0
    do_not_call: int = 0
    """Contacts not yet done whose number is on the do-not-call list (never offered)."""
    by_outcome: dict[str, int] = Field(default_factory=dict)
    """Recorded outcomes (every attempt, retries included) → count."""
    in_hours: bool = True
    """Now is within the calling hours (a running campaign outside them hands out nothing yet)."""


class CampaignWork(Model):
    """`POST /v1/campaigns/next`: the contact an agent calls now (the desk's contract)."""

    contact_id: int
    campaign_id: int
    customer_id: int | None
    phone: str
    name: str
    screen: str
    outcomes: list[str]


class OutcomeIn(Model):
    """What the agent records after calling a contact."""

    outcome: Code
    note: Annotated[str, Field(max_length=2000)] = ""
    call_id: Annotated[str, Field(max_length=128)] | None = None


class ReleaseIn(Model):
    """Give a contact back without calling it (the agent went on break, the desk closed)."""

    reason: ShortText = ""


class ContactView(Model):
    """One contact after a write: where it stands now."""

    contact_id: int
    campaign_id: int
    status: ContactStatus
    attempts: int
    outcome: str | None
    next_at: datetime | None
    claimed_by: str | None


class DncEntry(Model):
    """A number on the do-not-call list."""

    phone: Annotated[str, Field(min_length=3, max_length=32)]
    reason: ShortText = ""
    added_by: str | None = None
    added_at: datetime | None = None


class CampaignReportRow(Model):
    """Per campaign and outcome: how many calls ended so (the report by campaign)."""

    campaign_id: int
    campaign: str
    outcome: str
    count: int
