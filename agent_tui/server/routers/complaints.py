"""`/v1/complaints`: the complaint loop worked by supervisors (assign, handled, informed, closed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from agent_tui.domain.base import utc_now
from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody
from agent_tui.domain.ticket import Ticket
from agent_tui.server import complaints, field, idempotency
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Settings

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

OrderNumber = Annotated[str, Path(min_length=1, max_length=32, description="The complaint's order number.")]
IdemKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, max_length=200,
           description="Same key and body: the first answer again; same key, other body: 409."),
]


@router.post("/{number}/{step}", response_model=Ticket, responses={
    403: {"description": "A complaint of another team"}, 404: {"description": "No such order"},
    409: {"description": "The step does not follow, or the order is not a complaint"},
    422: {"description": "Assign without a department, or a department on another step"}})
def complaint_step(
    number: OrderNumber, step: ComplaintStep, body: ComplaintStepBody, request: Request, user: CurrentUser,
    db: Db, settings: Settings, key: IdemKey = None,
) -> Response:
    """Take one step of the complaint loop; audited, and timed against the complaint limits of `[sla]`."""
    print_, replayed = idempotency.begin(db, key, user.username, "POST", request.url.path, body)
    if replayed is not None:
        return replayed
    try:
        with db.write() as session:
            row = field.order_by_number(session, number, lock=True)
            ticket = complaints.take_step(session, row, step, body, user, utc_now(), settings)
            text = ticket.model_dump_json()
            if key is not None:
                idempotency.remember(session, key, user.username, print_, row.id, 200, text)
    except IntegrityError as error:
        return idempotency.after_race(db, key, user.username, print_, error)
    return Response(text, status_code=200, media_type="application/json")
