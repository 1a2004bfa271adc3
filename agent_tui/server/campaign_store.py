"""Campaigns in the database: made from a filter or an import, worked contact by contact, counted.

The claim is the heart of it: `next_contact` hands each contact to one agent at a time. On PostgreSQL
the candidate row is locked with SKIP LOCKED, so desks asking together each get a different contact
without waiting on each other; on SQLite the write transaction itself is exclusive (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import (
    CAMPAIGN_MOVES,
    Campaign,
    CampaignCreate,
    CampaignState,
    CampaignWork,
    ContactStatus,
    ContactView,
    OutcomeIn,
    within_hours,
)
from agent_tui.domain.session import Role
from agent_tui.server.auth import AuthUser
from agent_tui.server.campaign_models import CampaignCallRow, CampaignContactRow, CampaignRow, DoNotCallRow
from agent_tui.server.models import CustomerRow, ScreenRow, UserRow
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError

CLAIM_HOLD = timedelta(minutes=30)
"""A claim older than this is offered again: the desk that took it died without releasing it (a real
campaign call with its wrap-up is a few minutes; the desk releases what it will not call)."""

C = ContactStatus


def create(session: Session, body: CampaignCreate, user: AuthUser) -> CampaignRow:
    """A draft campaign with its contact list; 422 naming the field for an unknown screen or agent."""
    if session.get(ScreenRow, body.screen) is None:
        raise ProblemError(422, f"no call screen {body.screen!r}", field="body.screen")
    known = set(session.execute(select(UserRow.username).where(UserRow.username.in_(body.agents))).scalars())
    unknown = sorted(set(body.agents) - known)
    if unknown:
        raise ProblemError(422, f"no such users: {', '.join(unknown)}", field="body.agents")
    return insert(session, body, user.username)


def insert(session: Session, body: CampaignCreate, created_by: str,
           state: CampaignState = CampaignState.DRAFT) -> CampaignRow:
    """The campaign and its contacts, unchecked (`create` checks; the demo seed trusts itself)."""
    now = utc_now()
    source = ({"filter": body.customer_filter.model_dump(mode="json")} if body.customer_filter is not None
              else {"import": len(body.contacts or [])})
    row = CampaignRow(
        name=body.name, screen=body.screen, state=state.value, outcomes=list(body.outcomes),
        retry_outcomes=list(body.retry_outcomes), retry_after_min=body.retry_after_min,
        max_retries=body.max_retries, hours=list(body.hours), agents=list(dict.fromkeys(body.agents)),
        source=source, created_by=created_by, created_at=now, updated_at=now,
    )
    session.add(row)
    session.flush()
    people = _from_filter(session, body) if body.customer_filter is not None else _from_import(session, body)
    if not people:
        raise ProblemError(422, "the campaign would call nobody", field="body")
    session.add_all(
        CampaignContactRow(campaign_id=row.id, customer_id=customer_id, phone=phone,
                           phone_key=phone_key(phone), name=name, status=C.PENDING.value,
                           attempts=0, next_at=now)
        for customer_id, phone, name in people
    )
    session.flush()
    return row


def _from_filter(session: Session, body: CampaignCreate) -> list[tuple[int | None, str, str]]:
    wanted = body.customer_filter
    assert wanted is not None
    query = select(CustomerRow.id, CustomerRow.phones, CustomerRow.name)
    if wanted.area:
        query = query.where(CustomerRow.area == wanted.area)
    if wanted.tiers:
        query = query.where(CustomerRow.tier.in_(wanted.tiers))
    if wanted.in_arrears:
        query = query.where(CustomerRow.arrears_cents > 0)
    out: list[tuple[int | None, str, str]] = []
    for customer_id, phones, name in session.execute(query.order_by(CustomerRow.id)):
        # A customer without a number cannot be called: left out rather than offered to an agent.
        phone = next((str(p) for p in phones or () if phone_key(str(p))), None)
        if phone is not None:
            out.append((int(customer_id), phone, str(name)))
        if len(out) == wanted.limit:
            break
    return out


def _from_import(session: Session, body: CampaignCreate) -> list[tuple[int | None, str, str]]:
    rows = body.contacts or []
    for index, contact in enumerate(rows):
        if not phone_key(contact.phone):
            raise ProblemError(422, f"row {index + 1}: {contact.phone!r} is not a phone number",
                               field=f"body.contacts.{index}.phone")
    ids = {c.customer_id for c in rows if c.customer_id is not None}
    found = set(session.execute(select(CustomerRow.id).where(CustomerRow.id.in_(ids))).scalars())
    for index, contact in enumerate(rows):
        if contact.customer_id is not None and contact.customer_id not in found:
            raise ProblemError(422, f"row {index + 1}: no customer {contact.customer_id}",
                               field=f"body.contacts.{index}.customer_id")
    return [(c.customer_id, c.phone, c.name) for c in rows]


def get(session: Session, campaign_id: int, *, lock: bool = False) -> CampaignRow:
    """The campaign, or 404."""
    row = session.get(CampaignRow, campaign_id, with_for_update=lock)
    if row is None:
        raise ProblemError(404, f"no campaign {campaign_id}")
    return row


def move(session: Session, row: CampaignRow, target: CampaignState) -> None:
    """Start, pause or finish; 409 for a move the state does not allow."""
    current = CampaignState(row.state)
    if target == current:
        return  # asked again (a retried request): nothing to do
    if target not in CAMPAIGN_MOVES[current]:
        raise ProblemError(409, f"campaign {row.id} is {current.value}: it cannot become {target.value}")
    # Finished early, contacts an agent holds stay theirs: their outcome is still recorded.
    row.state, row.updated_at = target.value, utc_now()


def _dnc(contact_key: object) -> object:
    return exists().where(DoNotCallRow.phone_key == contact_key)


def view(session: Session, row: CampaignRow, zone: tzinfo | None) -> Campaign:
    """The campaign with its progress counts, and whether now is within its calling hours in `zone`."""
    counts = {str(status): int(n) for status, n in session.execute(
        select(CampaignContactRow.status, func.count()).where(CampaignContactRow.campaign_id == row.id)
        .group_by(CampaignContactRow.status)
    )}
    blocked = session.execute(
        select(func.count()).select_from(CampaignContactRow)
        .where(CampaignContactRow.campaign_id == row.id, CampaignContactRow.status != C.DONE.value,
               _dnc(CampaignContactRow.phone_key))  # type: ignore[arg-type]
    ).scalar_one()
    outcomes = {str(outcome): int(n) for outcome, n in session.execute(
        select(CampaignCallRow.outcome, func.count()).where(CampaignCallRow.campaign_id == row.id)
        .group_by(CampaignCallRow.outcome)
    )}
    return Campaign(
        id=row.id, name=row.name, screen=row.screen, state=CampaignState(row.state), outcomes=row.outcomes,
        retry_outcomes=row.retry_outcomes, retry_after_min=row.retry_after_min, max_retries=row.max_retries,
        hours=row.hours, agents=row.agents, created_by=row.created_by, created_at=row.created_at,
        total=sum(counts.values()), pending=counts.get(C.PENDING.value, 0),
        claimed=counts.get(C.CLAIMED.value, 0), done=counts.get(C.DONE.value, 0), do_not_call=blocked,
        by_outcome=outcomes, in_hours=within_hours(row.hours, utc_now().astimezone(zone)),
    )


def next_contact(session: Session, username: str, zone: tzinfo | None) -> CampaignWork | None:
    """The contact `username` calls now (claimed for them), or None when there is nothing for them.

    Only running campaigns the agent is assigned to and that are within their calling hours; never a
    number on the do-not-call list; a retried contact only once its retry is due. An agent who asks
    again while holding a contact gets that same contact (a desk restarted mid-call loses nothing).
    """
    now = utc_now()
    local = now.astimezone(zone)
    running = session.execute(
        select(CampaignRow).where(CampaignRow.state == CampaignState.RUNNING.value)
    ).scalars().all()
    eligible = {c.id: c for c in running if username in c.agents and within_hours(c.hours, local)}
    if not eligible:
        return None
    held = session.execute(
        select(CampaignContactRow)
        .where(CampaignContactRow.campaign_id.in_(eligible), CampaignContactRow.status == C.CLAIMED.value,
               CampaignContactRow.claimed_by == username)
        .order_by(CampaignContactRow.claimed_at, CampaignContactRow.id).limit(1)
    ).scalar_one_or_none()
    if held is not None:
        return _work(held, eligible[held.campaign_id])
    contacts = CampaignContactRow
    due = (
        ((contacts.status == C.PENDING.value) & (contacts.next_at <= now))
        | ((contacts.status == C.CLAIMED.value) & (contacts.claimed_at < now - CLAIM_HOLD))
    )
    row = session.execute(
        select(CampaignContactRow)
        .where(CampaignContactRow.campaign_id.in_(eligible), due,
               ~_dnc(CampaignContactRow.phone_key))  # type: ignore[operator]
        .order_by(CampaignContactRow.next_at, CampaignContactRow.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=CampaignContactRow)
    ).scalar_one_or_none()
    if row is None:
        return None
    row.status, row.claimed_by, row.claimed_at = C.CLAIMED.value, username, now
    session.flush()
    return _work(row, eligible[row.campaign_id])


def _work(row: CampaignContactRow, campaign: CampaignRow) -> CampaignWork:
    return CampaignWork(contact_id=row.id, campaign_id=row.campaign_id, customer_id=row.customer_id,
                        phone=row.phone, name=row.name, screen=campaign.screen,
                        outcomes=list(campaign.outcomes))


def contact(session: Session, contact_id: int) -> CampaignContactRow:
    """The contact, locked for the write, or 404."""
    row = session.get(CampaignContactRow, contact_id, with_for_update=True)
    if row is None:
        raise ProblemError(404, f"no campaign contact {contact_id}")
    return row


def contact_view(row: CampaignContactRow) -> ContactView:
    """A contact as a write answers it."""
    return ContactView(contact_id=row.id, campaign_id=row.campaign_id, status=C(row.status),
                       attempts=row.attempts, outcome=row.outcome,
                       next_at=row.next_at if row.status == C.PENDING.value else None,
                       claimed_by=row.claimed_by)


def _holder_check(row: CampaignContactRow, user: AuthUser) -> None:
    if row.claimed_by == user.username:
        return
    if user.role == Role.SUPERVISOR:
        return  # a supervisor records for an agent who could not (audited by the call row's agent)
    holder = f"held by {row.claimed_by}" if row.claimed_by else "not claimed"
    raise ProblemError(409, f"campaign contact {row.id} is {holder}")


def record(session: Session, row: CampaignContactRow, body: OutcomeIn, user: AuthUser) -> ContactView:
    """Record one call's outcome: a retry outcome reschedules the contact, any other closes it.

    The same call (same `call_id`) recorded again answers what the first recording did; any other
    outcome on a closed contact is a 409, so an outcome is never counted twice.
    """
    if body.call_id is not None:
        earlier = session.execute(
            select(CampaignCallRow).where(CampaignCallRow.contact_id == row.id,
                                          CampaignCallRow.call_id == body.call_id)
        ).scalar_one_or_none()
        if earlier is not None:
            if earlier.outcome != body.outcome:
                raise ProblemError(409, f"call {body.call_id} was recorded as {earlier.outcome}",
                                   field="body.call_id")
            return contact_view(row)
    if row.status == C.DONE.value:
        raise ProblemError(409, f"campaign contact {row.id} is already done ({row.outcome})")
    _holder_check(row, user)
    campaign = get(session, row.campaign_id, lock=True)
    if body.outcome not in campaign.outcomes:
        raise ProblemError(422, f"{body.outcome!r} is not an outcome of campaign {campaign.id} "
                                f"({', '.join(campaign.outcomes)})", field="body.outcome")
    now = utc_now()
    row.attempts += 1
    session.add(CampaignCallRow(campaign_id=row.campaign_id, contact_id=row.id, attempt=row.attempts,
                                outcome=body.outcome, note=body.note, call_id=body.call_id,
                                agent=row.claimed_by or user.username, at=now))
    if body.outcome in campaign.retry_outcomes and row.attempts <= campaign.max_retries:
        row.status, row.next_at = C.PENDING.value, now + timedelta(minutes=campaign.retry_after_min)
    else:
        row.status, row.outcome, row.done_at = C.DONE.value, body.outcome, now
    row.claimed_by, row.claimed_at = None, None
    session.flush()
    _finish_when_all_done(session, campaign, now)
    return contact_view(row)


def release(session: Session, row: CampaignContactRow, user: AuthUser) -> ContactView:
    """Give a claimed contact back, due again now (no attempt counted); a pending one stays as it is."""
    if row.status == C.CLAIMED.value:
        _holder_check(row, user)
        row.status, row.claimed_by, row.claimed_at = C.PENDING.value, None, None
        session.flush()
    elif row.status == C.DONE.value:
        raise ProblemError(409, f"campaign contact {row.id} is already done ({row.outcome})")
    return contact_view(row)


def _finish_when_all_done(session: Session, campaign: CampaignRow, now: datetime) -> None:
    if campaign.state not in (CampaignState.RUNNING.value, CampaignState.PAUSED.value):
        return
    open_left = session.execute(
        select(CampaignContactRow.id)
        .where(CampaignContactRow.campaign_id == campaign.id, CampaignContactRow.status != C.DONE.value)
        .limit(1)
    ).first()
    if open_left is None:
        campaign.state, campaign.updated_at = CampaignState.DONE.value, now
