"""Rows to contract models."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from agent_tui.domain import sla
from agent_tui.domain.agent import Agent, AgentState, AgentStateName
from agent_tui.domain.customer import ContactChannel, ContactRecord, Customer, CustomerType, ServiceTier
from agent_tui.domain.notice import KbArticle, NoticeKind, OutageNotice
from agent_tui.domain.session import Role, User
from agent_tui.domain.ticket import ReturnVisit, Ticket, TicketStatus, TicketType, TimelineEntry
from agent_tui.server.models import (
    ContactRow,
    CustomerRow,
    KbArticleRow,
    NoticeRow,
    TicketRow,
    TimelineRow,
    UserRow,
)


def customer(row: CustomerRow) -> Customer:
    """A customer row as the contract's `Customer`."""
    return Customer(
        id=row.id, account=row.account, name=row.name, phones=list(row.phones), address=row.address,
        area=row.area, customer_type=CustomerType(row.customer_type), tier=ServiceTier(row.tier),
        meter=row.meter, balance_cents=row.balance_cents, arrears_cents=row.arrears_cents,
        custom=dict(row.custom), last_agent=row.last_agent, created_at=row.created_at,
        updated_at=row.updated_at,
    )


def contact(row: ContactRow) -> ContactRecord:
    """A contact row as a `ContactRecord`."""
    return ContactRecord(
        id=row.id, customer_id=row.customer_id, at=row.at, channel=ContactChannel(row.channel),
        agent=row.agent, call_id=row.call_id, ticket_id=row.ticket_id, summary=row.summary,
        outcome=row.outcome, recording=row.recording,
    )


def notice(row: NoticeRow) -> OutageNotice:
    """A notice row as an `OutageNotice`."""
    return OutageNotice(
        id=row.id, area=row.area, kind=NoticeKind(row.kind), title=row.title, detail=row.detail,
        starts_at=row.starts_at, ends_at=row.ends_at,
    )


def article(row: KbArticleRow) -> KbArticle:
    """A KB row as a `KbArticle`."""
    return KbArticle(
        id=row.id, title=row.title, body=row.body, category=row.category, language=row.language,
        tags=list(row.tags),
    )


def status_changes(timeline: list[TimelineEntry]) -> list[TimelineEntry]:
    """The entries where the status changed (notes repeat the current status and must not restart SLAs)."""
    out: list[TimelineEntry] = []
    for entry in timeline:
        if not out or out[-1].status != entry.status:
            out.append(entry)
    return out


def ticket(row: TicketRow, timeline: list[TimelineRow], now: datetime, limits: sla.SlaLimits) -> Ticket:
    """A ticket row and its timeline as a `Ticket`, SLA deadlines judged against `limits` as of `now`."""
    entries = [
        TimelineEntry(status=TicketStatus(t.status), at=t.at, by=t.by, note=t.note)
        for t in sorted(timeline, key=lambda t: t.id)
    ]
    kind = TicketType(row.ticket_type)
    return Ticket(
        id=row.id, number=row.number, ticket_type=kind, status=TicketStatus(row.status),
        customer_id=row.customer_id, call_id=row.call_id, screen_id=row.screen_id,
        screen_version=row.screen_version, subject=row.subject, description=row.description,
        fields=dict(row.fields), priority=row.priority, training=row.training,
        created_by=row.created_by, assignee=row.assignee, created_at=row.created_at,
        updated_at=row.updated_at, timeline=entries,
        deadlines=sla.deadlines(kind, status_changes(entries), now, limits, row.fields),
        return_visit=ReturnVisit.model_validate(row.return_visit) if row.return_visit else None,
    )


def user(row: UserRow) -> User:
    """A user row as a `User`."""
    return User(
        username=row.username, display_name=row.display_name, role=Role(row.role), team=row.team,
        extension=row.extension,
    )


class UserFields(Protocol):
    """What `agent` reads of a user: a `UserRow`, or plain columns (the batched state writer)."""

    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def team(self) -> str | None: ...
    @property
    def extension(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


class StateFields(Protocol):
    """What `agent` reads of a state: an `AgentStateRow`, or plain columns (the batched state writer)."""

    @property
    def state(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def since(self) -> datetime: ...
    @property
    def call_id(self) -> str | None: ...
    @property
    def call_number(self) -> str | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def queue(self) -> str | None: ...
    @property
    def hold_since(self) -> datetime | None: ...


def agent(row: UserFields, state: StateFields | None) -> Agent:
    """A user and their state as an `Agent`; never seen: logged out since the account was made."""
    current = (
        AgentState(state=AgentStateName(state.state), reason=state.reason, since=state.since,
                   call_id=state.call_id, call_number=state.call_number, customer_id=state.customer_id,
                   queue=state.queue, on_hold=state.hold_since is not None)
        if state is not None
        else AgentState(state=AgentStateName.LOGGED_OUT, reason=None, since=row.created_at)
    )
    return Agent(
        username=row.username, display_name=row.display_name, role=Role(row.role), team=row.team,
        extension=row.extension, state=current,
    )
