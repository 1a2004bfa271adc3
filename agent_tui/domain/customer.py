"""Customers, their contact history and the lookup result of a screen pop."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import LongText, Model, ShortText
from agent_tui.domain.notice import OutageNotice
from agent_tui.domain.ticket import Ticket

ACCOUNT_PATTERN = r"^[0-9]{6,20}$"
PHONE_PATTERN = r"^\+?[0-9][0-9\-]{2,30}$"


class CustomerType(StrEnum):
    """The kind of customer, which changes tariffs and priorities."""

    RESIDENTIAL = "residential"
    BUSINESS = "business"
    GOVERNMENT = "government"


class ServiceTier(StrEnum):
    """Service tier, highest first."""

    DIAMOND = "diamond"
    GOLD = "gold"
    SILVER = "silver"
    BASIC = "basic"


class CustomerFields(Model):
    """What a customer record holds, without the server-assigned parts."""

    account: str = Field(pattern=ACCOUNT_PATTERN, description="Account number (户号), shared with billing.")
    name: ShortText = Field(min_length=1)
    phones: list[str] = Field(default_factory=list, max_length=10)
    address: ShortText = ""
    area: ShortText = Field(default="", description="Service area, used for outage notices.")
    customer_type: CustomerType = CustomerType.RESIDENTIAL
    tier: ServiceTier = ServiceTier.BASIC
    meter: ShortText | None = Field(default=None, description="Meter or equipment number.")
    balance_cents: int = 0
    arrears_cents: int = Field(default=0, ge=0)
    custom: dict[str, str] = Field(default_factory=dict)


class CustomerCreate(CustomerFields):
    """Body of `POST /v1/customers`."""


class CustomerPatch(Model):
    """Body of `PATCH /v1/customers/{id}`: only the fields to change."""

    name: ShortText | None = None
    phones: list[str] | None = Field(default=None, max_length=10)
    address: ShortText | None = None
    area: ShortText | None = None
    customer_type: CustomerType | None = None
    tier: ServiceTier | None = None
    meter: ShortText | None = None
    balance_cents: int | None = None
    arrears_cents: int | None = Field(default=None, ge=0)
    custom: dict[str, str] | None = None


class Customer(CustomerFields):
    """A customer record as the backend stores it."""

    id: int
    last_agent: str | None = Field(default=None, description="Username of the last serving agent.")
    created_at: datetime
    updated_at: datetime


class ContactChannel(StrEnum):
    """How a contact reached us."""

    PHONE = "phone"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"
    OTHER = "other"


class ContactRecord(Model):
    """One past contact with a customer: who served, what about, how it ended."""

    id: int
    customer_id: int
    at: datetime
    channel: ContactChannel = ContactChannel.PHONE
    agent: str | None = None
    call_id: str | None = None
    ticket_id: int | None = None
    summary: LongText = ""
    outcome: ShortText = ""
    recording: str | None = Field(default=None, description="Recording reference, when one exists.")


class LookupMatch(Model):
    """One customer found by a screen-pop lookup, with what the agent needs on the first page."""

    customer: Customer
    last_case: ContactRecord | None = Field(
        default=None, description="The last contact's case, shown first."
    )
    open_tickets: list[Ticket] = Field(default_factory=list)
    notices: list[OutageNotice] = Field(default_factory=list, description="Notices for the area.")
    history: list[ContactRecord] = Field(default_factory=list, description="Recent contacts, newest first.")


class LookupResult(Model):
    """Answer of `GET /v1/customers/lookup`."""

    matches: list[LookupMatch]
