"""The queue of messages to customers: a table, claimed row by row, each message sent once.

Why it is safe with several server processes: a sender claims due rows in one write transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes never take the same row and never wait for
each other; SQLite's writers are serialised already), marks them `sending` with a lease, and commits
before it talks to the gateway. Nobody else touches a row while its lease runs.

Why it is sent once even when a process dies mid-send: just before the step the gateway cannot take
back (the final `.` of an SMTP DATA; the HTTP request to Kannel) the row is marked `handed_over` and
committed. A row whose lease ran out without being handed over was never given to the gateway (an
SMTP message without its final `.` is dropped by the MTA), so it is sent again. A row handed over
whose process died is not sent again: the gateway may have it, and a customer must never get it
twice. It fails with that reason on the order's timeline, where people can see it.

Every step is a note on the order's timeline: queued, sent, failed and why (retried later, or not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.server.aftercare_models import NotificationRow
from agent_tui.server.aftercare_settings import Channel, NotifyEvent, NotifySettings
from agent_tui.server.db import Database
from agent_tui.server.models import CustomerRow, TicketRow, TimelineRow

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
BY = "notify"
"""`by` of the timeline notes the queue writes."""

CHANNEL_NAMES: dict[str, str] = {"sms": "SMS", "email": "e-mail"}
INTERRUPTED = "interrupted after the hand-over to the gateway; not sent again so it is never sent twice"


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, as the sender needs it (read from its row, no session attached)."""

    id: int
    ticket_id: int
    channel: Channel
    address: str
    subject: str
    body: str
    attempts: int


def _note(session: Session, ticket_id: int, text: str, now: datetime) -> None:
    """A note on the order's timeline at its current status (a repeated status reaches nothing)."""
    status = session.execute(select(TicketRow.status).where(TicketRow.id == ticket_id)).scalar_one()
    session.add(TimelineRow(ticket_id=ticket_id, status=status, at=now, by=BY, note=text[:200]))


def address_of(session: Session, ticket: TicketRow, channel: Channel) -> str | None:
    """Where the customer gets it: the order's contact phone or e-mail, else the customer record's."""
    fields = ticket.fields or {}
    customer = session.get(CustomerRow, ticket.customer_id) if ticket.customer_id is not None else None
    if channel == "sms":
        candidates = [fields.get("contact_phone"), *(customer.phones if customer else [])]
        for phone in candidates:
            # As the gateway wants it: digits and a leading +, without the spaces and dashes people type.
            digits = re.sub(r"[^\d+]", "", phone) if isinstance(phone, str) else ""
            if len(digits.lstrip("+")) >= 3:
                return digits
        return None
    email = fields.get("email") or fields.get("contact_email")
    if not (isinstance(email, str) and "@" in email) and customer is not None:
        email = (customer.custom or {}).get("email")
    return email.strip() if isinstance(email, str) and "@" in email else None


def _values(session: Session, ticket: TicketRow) -> dict[str, str]:
    customer = session.get(CustomerRow, ticket.customer_id) if ticket.customer_id is not None else None
    name = (ticket.fields or {}).get("contact_name")
    if not isinstance(name, str) or not name.strip():
        name = customer.name if customer is not None else ""
    return {"number": ticket.number, "customer": name, "type": ticket.ticket_type, "status": ticket.status}


def enqueue(session: Session, ticket: TicketRow, event: NotifyEvent, settings: NotifySettings) -> None:
    """Queue the messages of `event` on every configured channel; say on the timeline what happened."""
    if event not in settings.events:
        return
    now = utc_now()
    template = getattr(settings.templates.of(event), settings.language)
    values = _values(session, ticket)
    for channel in settings.channels:
        name = CHANNEL_NAMES[channel]
        gateway = settings.sms if channel == "sms" else settings.smtp
        if gateway is None:
            _note(session, ticket.id, f"{name} ({event}) not sent: no {name} gateway configured", now)
            continue
        address = address_of(session, ticket, channel)
        if address is None:
            what = "phone number" if channel == "sms" else "e-mail address"
            _note(session, ticket.id, f"{name} ({event}) not sent: no {what} for the customer", now)
            continue
        body = (template.sms if channel == "sms" else template.email).format_map(values)
        subject = template.subject.format_map(values) if channel == "email" else ""
        session.add(NotificationRow(
            ticket_id=ticket.id, event=event, channel=channel, address=address[:200],
            language=settings.language,
            subject=subject[:200], body=body, status=QUEUED, attempts=0, next_at=now, handed_over=False,
            error="", created_at=now,
        ))
        _note(session, ticket.id, f"{name} ({event}) queued for {address}", now)
    session.flush()


def claim(db: Database, worker: str, settings: NotifySettings, limit: int = 10) -> list[Outgoing]:
    """Take up to `limit` messages due now (and ones whose sender died) for `worker`."""
    now = utc_now()
    due = or_(
        (NotificationRow.status == QUEUED) & (NotificationRow.next_at <= now),
        (NotificationRow.status == SENDING) & (NotificationRow.lease_until < now),
    )
    # Look before locking: an idle queue costs a read, not a write transaction (SQLite has one writer).
    with db.read() as session:
        if session.execute(select(NotificationRow.id).where(due).limit(1)).first() is None:
            return []
    out: list[Outgoing] = []
    with db.write() as session:
        rows = session.execute(
            select(NotificationRow)
            .where(due)
            .order_by(NotificationRow.next_at, NotificationRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars().all()
        for row in rows:
            if row.status == SENDING and row.handed_over:
                _fail(session, row, INTERRUPTED, now)
                continue
            row.status, row.claimed_by = SENDING, worker
            row.lease_until = now + timedelta(seconds=settings.lease_s)
            row.attempts += 1
            out.append(Outgoing(row.id, row.ticket_id, row.channel,  # type: ignore[arg-type]
                                row.address, row.subject, row.body, row.attempts))
    return out


def hand_over(db: Database, message: Outgoing, worker: str) -> bool:
    """Mark the point of no return; False when the row is no longer ours (our lease ran out).

    The try number is the claim's fencing token: a claim taken again after its lease ran out, even by
    the same sender, makes the older copy worthless.
    """
    with db.write() as session:
        row = session.get(NotificationRow, message.id, with_for_update=True)
        if row is None or row.status != SENDING or row.claimed_by != worker or row.handed_over:
            return False
        if row.attempts != message.attempts:
            return False
        row.handed_over = True
    return True


def sent(db: Database, message: Outgoing) -> None:
    """The gateway took it (even if a takeover has since marked it failed: it did arrive)."""
    now = utc_now()
    with db.write() as session:
        row = session.get(NotificationRow, message.id, with_for_update=True)
        if row is None or row.attempts != message.attempts:
            return
        row.status, row.sent_at, row.lease_until, row.error = SENT, now, None, ""
        _note(session, row.ticket_id, f"{_label(row)} sent to {row.address}", now)


def failed(db: Database, message: Outgoing, worker: str, reason: str, settings: NotifySettings, *,
           retry: bool) -> None:
    """The gateway refused it or could not be reached: retried later with back-off, or failed for good.

    `retry` is False when the gateway may have taken it (an answer lost after the hand-over). Nothing
    changes when the claim is no longer ours: its new holder decides.
    """
    now = utc_now()
    with db.write() as session:
        row = session.get(NotificationRow, message.id, with_for_update=True)
        ours = row is not None and row.status == SENDING and row.claimed_by == worker
        if row is None or not ours or row.attempts != message.attempts:
            return
        if retry and row.attempts < settings.max_attempts:
            delay = settings.retry_s * 2 ** (row.attempts - 1)
            row.status, row.next_at, row.lease_until = QUEUED, now + timedelta(seconds=delay), None
            row.handed_over, row.claimed_by, row.error = False, None, reason[:200]
            _note(session, row.ticket_id,
                  f"{_label(row)} failed: {reason[:100]}; try {row.attempts + 1} in {delay:g} s", now)
        else:
            _fail(session, row, reason, now)


def _fail(session: Session, row: NotificationRow, reason: str, now: datetime) -> None:
    row.status, row.lease_until, row.error = FAILED, None, reason[:200]
    _note(session, row.ticket_id, f"{_label(row)} failed for good after {row.attempts} tries: {reason}", now)


def _label(row: NotificationRow) -> str:
    return f"{CHANNEL_NAMES.get(row.channel, row.channel)} ({row.event})"
