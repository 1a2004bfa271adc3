"""Tables of the reference backend (SQLAlchemy 2 ORM); the schema itself is made by the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit key on PostgreSQL; INTEGER on SQLite so it is the rowid and autoincrements."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()
    }


class UserRow(Base):
    """A person who logs in."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(64))
    extension: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]


class TokenRow(Base):
    """A login: only the SHA-256 of the bearer token is kept."""

    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class CustomerRow(Base):
    """A customer; `phones` is kept here for output and in `customer_phones` for lookup."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    phones: Mapped[list[Any]]
    address: Mapped[str] = mapped_column(String(200), default="")
    area: Mapped[str] = mapped_column(String(200), default="", index=True)
    customer_type: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    meter: Mapped[str | None] = mapped_column(String(200))
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    arrears_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    custom: Mapped[dict[str, Any]]
    last_agent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerPhoneRow(Base):
    """One phone number of a customer, normalised for screen-pop lookup."""

    __tablename__ = "customer_phones"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    phone_key: Mapped[str] = mapped_column(String(32), index=True)


class ContactRow(Base):
    """One past contact with a customer."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_customer_at", "customer_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(200), default="")
    recording: Mapped[str | None] = mapped_column(String(500))


class TicketRow(Base):
    """A work order."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_customer_status", "customer_id", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    call_id: Mapped[str | None] = mapped_column(String(128))
    screen_id: Mapped[str | None] = mapped_column(String(64))
    screen_version: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]]
    priority: Mapped[int] = mapped_column(Integer, default=3)
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    return_visit: Mapped[dict[str, Any] | None]
    field_team: Mapped[str | None] = mapped_column(String(64))
    """The team (department) of the field user that received the order; only it reports further steps."""


class TimelineRow(Base):
    """When a ticket reached a status (or got a note), in order of `id`."""

    __tablename__ = "ticket_timeline"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")


class IdempotencyRow(Base):
    """A ticket creation remembered by its Idempotency-Key, with a hash of the body it came with."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AgentStateRow(Base):
    """The current state of one user."""

    __tablename__ = "agent_states"
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime]
    call_id: Mapped[str | None] = mapped_column(String(128))
    call_number: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    queue: Mapped[str | None] = mapped_column(String(200))
    call_started: Mapped[datetime | None]
    hold_since: Mapped[datetime | None]
    hand_raised_at: Mapped[datetime | None]


class CallRow(Base):
    """A call record, updated by later posts with the same call id."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_queue_offered", "queue", "offered_at"),)
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    direction: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(200), default="")
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    queue: Mapped[str | None] = mapped_column(String(200))
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    talk_s: Mapped[float] = mapped_column(Float, default=0)
    hold_s: Mapped[float] = mapped_column(Float, default=0)
    acw_s: Mapped[float] = mapped_column(Float, default=0)
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class EventRow(Base):
    """A live event; ids increase in commit order (PostgreSQL writers serialise on an advisory lock)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    target: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]]


class NoticeRow(Base):
    """An outage notice for an area."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class KbArticleRow(Base):
    """A knowledge-base article; `search_text` is its lower-cased title, body and tags."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), index=True)
    tags: Mapped[list[Any]]
    search_text: Mapped[str] = mapped_column(Text)


class ScreenRow(Base):
    """The newest version of a call screen: the one desks get when they open a form."""

    __tablename__ = "screens"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    ticket_type: Mapped[str | None] = mapped_column(String(20))
    definition: Mapped[dict[str, Any]]


class ScreenVersionRow(Base):
    """Every version of a call screen ever loaded, kept for the tickets filed with it."""

    __tablename__ = "screen_versions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ticket_type: Mapped[str | None] = mapped_column(String(20))
    definition: Mapped[dict[str, Any]]
    loaded_at: Mapped[datetime]


class AgentStateLogRow(Base):
    """One stretch of time an agent spent in one state (`ended_at` is NULL for the current one)."""

    __tablename__ = "agent_state_log"
    __table_args__ = (Index("ix_agent_state_log_user_started", "username", "started_at"),
                      Index("ix_agent_state_log_started", "started_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class QueueEventRow(Base):
    """A PBX queue event as received; its id makes a repeated post harmless."""

    __tablename__ = "queue_events"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    call_id: Mapped[str] = mapped_column(String(128), index=True)
    queue: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class QueueCallRow(Base):
    """One caller's way through a queue, folded from queue events (or from a desk's call record)."""

    __tablename__ = "queue_calls"
    __table_args__ = (Index("ix_queue_calls_enqueued", "enqueued_at"),
                      Index("ix_queue_calls_queue_enqueued", "queue", "enqueued_at"))
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    queue: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    enqueued_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(String(64))
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))


class AlertRow(Base):
    """A live alert; its key is unique while the condition lasts, so workers never raise it twice."""

    __tablename__ = "alerts"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime]
    agent: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(String(200), default="")


class AuditRow(Base):
    """A supervisor action: who, when, what, on whom; commands are followed up by the desk's ack."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_at", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    call_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]]
    command_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[str] = mapped_column(String(20), default="")
    ack_at: Mapped[datetime | None]
    ack_detail: Mapped[str] = mapped_column(String(200), default="")


class CallbackRow(Base):
    """A caller to call back (all agents busy, voicemail, or abandoned)."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_status_queued", "status", "queued_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    queue: Mapped[str | None] = mapped_column(String(200))
    queued_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    call_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    voicemail: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime | None]
    """Not offered by `POST /v1/callbacks/next` before this (a rescheduled callback)."""


class ServerSecretRow(Base):
    """Secrets the server makes for itself once (the monitor-token secret), shared by every worker."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


# The tables of customer notification, return visits, campaigns, the voice service, training,
# recordings and order deadlines live in modules of their own; importing them here
# puts them in `Base.metadata` for everyone who imports the models (migrations, schema checks).
from agent_tui.server import aftercare_models as _aftercare_models  # noqa: E402, F401
from agent_tui.server import campaign_models as _campaign_models  # noqa: E402, F401
from agent_tui.server import order_models as _order_models  # noqa: E402, F401
from agent_tui.server import recording_models as _recording_models  # noqa: E402, F401
from agent_tui.server import training_models as _training_models  # noqa: E402, F401
from agent_tui.server import voice_models as _voice_models  # noqa: E402, F401
