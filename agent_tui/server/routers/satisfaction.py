"""`POST /v1/calls/{call_id}/satisfaction`: the survey service stores a caller's keypad score, once."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from agent_tui.domain.voice import Satisfaction, SatisfactionInput
from agent_tui.server import satisfaction
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.models import CallRow
from agent_tui.server.problems import ProblemError

router = APIRouter(tags=["satisfaction"])


@router.post("/v1/calls/{call_id}/satisfaction", status_code=201,
             responses={200: {"description": "The same score was stored before."},
                        409: {"description": "The call already has a different score."}})
def post_satisfaction(call_id: str, body: SatisfactionInput, response: Response, user: CurrentUser, db: Db,
                      board: Board) -> Satisfaction:
    """Store the caller's 1-5 score of a call (the call record may come later); written once."""
    if len(call_id) > 128:
        raise ProblemError(422, "at most 128 characters", field="path.call_id")
    with db.write() as session:
        stored, created = satisfaction.store(session, call_id, body, user.username)
        agent = session.execute(select(CallRow.agent).where(CallRow.call_id == call_id)).scalar_one_or_none()
    if not created:
        response.status_code = 200
    board.touch(agents=[agent])  # the agent's wallboard row shows today's satisfaction
    return stored
