"""`/v1/campaigns` and `/v1/campaign-contacts`: outbound campaigns made and watched by supervisors,
worked contact by contact by the agents assigned to them.

The desk's contract: `POST /v1/campaigns/next` answers the contact to call now (200) or 204; the desk
then records the call's outcome, or releases the contact it will not call.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from agent_tui.domain.base import Page
from agent_tui.domain.campaigns import (
    Campaign,
    CampaignCreate,
    CampaignReportRow,
    CampaignState,
    CampaignWork,
    ContactView,
    OutcomeIn,
    ReleaseIn,
)
from agent_tui.server import campaign_store, idempotency
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.campaign_models import CampaignCallRow, CampaignRow
from agent_tui.server.db import Database
from agent_tui.server.deps import Settings
from agent_tui.server.store import PageParams, RowId

log = logging.getLogger(__name__)
router = APIRouter(tags=["campaigns"])


async def _zone(settings: Settings) -> tzinfo | None:
    """The zone of the calling hours: the backend's `timezone` (None: the server's own)."""
    return ZoneInfo(settings.timezone) if settings.timezone else None


Zone = Annotated[tzinfo | None, Depends(_zone)]

IdemKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, max_length=200,
           description="Same key and body: the first answer again; same key, other body: 409."),
]


@router.post("/v1/campaigns", status_code=201)
def create_campaign(body: CampaignCreate, user: CurrentUser, db: Db, zone: Zone) -> Campaign:
    """Make a campaign in the draft state from a customer filter or an imported list."""
    with db.write() as session:
        row = campaign_store.create(session, body, user)
        return campaign_store.view(session, row, zone)


@router.get("/v1/campaigns")
def list_campaigns(
    _user: CurrentUser, db: Db, paging: PageParams, zone: Zone,
    state: Annotated[CampaignState | None, Query(description="Default: every state.")] = None,
) -> Page[Campaign]:
    """Campaigns with their progress, newest first."""
    query = select(CampaignRow)
    if state is not None:
        query = query.where(CampaignRow.state == state.value)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(CampaignRow.id.desc()).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[Campaign](items=[campaign_store.view(session, r, zone) for r in rows], total=total,
                              limit=paging.limit, offset=paging.offset)


@router.get("/v1/campaigns/{campaign_id}")
def get_campaign(campaign_id: RowId, _user: CurrentUser, db: Db, zone: Zone) -> Campaign:
    """One campaign with its progress: contacts by status and recorded calls by outcome."""
    with db.read() as session:
        return campaign_store.view(session, campaign_store.get(session, campaign_id), zone)


def _move(db: Database, campaign_id: int, target: CampaignState, zone: tzinfo | None) -> Campaign:
    with db.write() as session:
        row = campaign_store.get(session, campaign_id, lock=True)
        campaign_store.move(session, row, target)
        return campaign_store.view(session, row, zone)


@router.post("/v1/campaigns/{campaign_id}/start")
def start_campaign(campaign_id: RowId, _user: CurrentUser, db: Db, zone: Zone) -> Campaign:
    """Start (or resume) handing out contacts; starting a running campaign again is harmless."""
    return _move(db, campaign_id, CampaignState.RUNNING, zone)


@router.post("/v1/campaigns/{campaign_id}/pause")
def pause_campaign(campaign_id: RowId, _user: CurrentUser, db: Db, zone: Zone) -> Campaign:
    """Stop handing out contacts (calls in progress still record their outcome)."""
    return _move(db, campaign_id, CampaignState.PAUSED, zone)


@router.post("/v1/campaigns/{campaign_id}/finish")
def finish_campaign(campaign_id: RowId, _user: CurrentUser, db: Db, zone: Zone) -> Campaign:
    """End a campaign for good before its list is worked through."""
    return _move(db, campaign_id, CampaignState.DONE, zone)


@router.post("/v1/campaigns/next", responses={200: {"model": CampaignWork}, 204: {"description": "No work"}})
def next_contact(user: CurrentUser, db: Db, zone: Zone) -> Response:
    """The contact this agent calls now, claimed for it; 204 when there is nothing for it now."""
    with db.write() as session:
        work = campaign_store.next_contact(session, user.username, zone)
    if work is None:
        return Response(status_code=204)
    return Response(work.model_dump_json(), media_type="application/json")


@router.post("/v1/campaign-contacts/{contact_id}/outcome", response_model=ContactView)
def record_outcome(contact_id: RowId, body: OutcomeIn, request: Request, user: CurrentUser, db: Db,
                   key: IdemKey = None) -> Response:
    """Record the outcome of a call to a contact you hold: once (see the Idempotency-Key and call_id)."""
    print_, replayed = idempotency.begin(db, key, user.username, "POST", request.url.path, body)
    if replayed is not None:
        return replayed
    try:
        return _record(db, contact_id, body, user, key, print_)
    except IntegrityError as error:
        return idempotency.after_race(db, key, user.username, print_, error)


def _record(db: Database, contact_id: int, body: OutcomeIn, user: AuthUser, key: str | None,
            print_: str) -> Response:
    with db.write() as session:
        row = campaign_store.contact(session, contact_id)
        text = campaign_store.record(session, row, body, user).model_dump_json()
        if key is not None:
            # The key table's `ticket_id` column holds the id of the object written: here the contact.
            idempotency.remember(session, key, user.username, print_, contact_id, 200, text)
    return Response(text, media_type="application/json")


@router.post("/v1/campaign-contacts/{contact_id}/release", response_model=ContactView)
def release_contact(contact_id: RowId, body: ReleaseIn, request: Request, user: CurrentUser, db: Db,
                    key: IdemKey = None) -> Response:
    """Give back a contact you hold without calling it: it is offered again at once (once: a retry with
    the same Idempotency-Key gets the first answer, even after another agent took the contact)."""
    def release(session: Session) -> tuple[int, ContactView]:
        return contact_id, campaign_store.release(session, campaign_store.contact(session, contact_id), user)

    answer = idempotency.once(db, key, user.username, "POST", request.url.path, body, release)
    log.info("campaign contact %d released by %s: %r", contact_id, user.username, body.reason)
    return answer


@router.get("/v1/reports/campaigns")
def campaign_report(
    _user: CurrentUser, db: Db,
    start: Annotated[datetime, Query(description="Calls recorded from this moment (ISO 8601 with zone).")],
    end: Annotated[datetime, Query(description="Up to this moment (exclusive).")],
) -> list[CampaignReportRow]:
    """Recorded calls per campaign and outcome in a period."""
    with db.read() as session:
        rows = session.execute(
            select(CampaignRow.id, CampaignRow.name, CampaignCallRow.outcome, func.count())
            .join(CampaignCallRow, CampaignCallRow.campaign_id == CampaignRow.id)
            .where(CampaignCallRow.at >= start, CampaignCallRow.at < end)
            .group_by(CampaignRow.id, CampaignRow.name, CampaignCallRow.outcome)
            .order_by(CampaignRow.id, CampaignCallRow.outcome)
        ).all()
    return [CampaignReportRow(campaign_id=int(i), campaign=str(n), outcome=str(o), count=int(c))
            for i, n, o, c in rows]
