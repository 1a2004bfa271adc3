"""The keypad survey's routes: a desk gets a survey token for its own call; the survey service stores the
caller's score with it, once (`agent_tui.server.survey_tokens` says why a token)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.voice import Satisfaction, SatisfactionInput, SurveyToken
from agent_tui.server import audit, satisfaction
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.models import AgentStateRow, CallRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.survey_tokens import SurveySigner

router = APIRouter(tags=["satisfaction"])

TOKEN_REFUSED = "survey_token_refused"  # noqa: S105 - an audit action
"""Audit action: a desk asked for a survey token for a call that is not its own."""
SCORE_REFUSED = "survey_score_refused"
"""Audit action: a score came without a valid token for its call."""
_ON_A_CALL = frozenset(s.value for s in (AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW))


async def get_survey_signer(request: Request) -> SurveySigner:
    """The app's survey-token signer."""
    signer: SurveySigner = request.app.state.survey_signer
    return signer


Signer = Annotated[SurveySigner, Depends(get_survey_signer)]


def _check_id(call_id: str) -> None:
    if len(call_id) > 128:
        raise ProblemError(422, "at most 128 characters", field="path.call_id")


@router.post("/v1/calls/{call_id}/survey-token", status_code=201,
             responses={403: {"description": "Somebody else's call (audited)."},
                        404: {"description": "No call of that id is up or recorded (audited)."}})
def post_survey_token(call_id: str, user: CurrentUser, db: Db, signer: Signer) -> SurveyToken:
    """A token that lets the survey score this call: only for the agent on the call (its live state names
    the call) or whose call record it is."""
    _check_id(call_id)
    known = False
    with db.read() as session:  # the granted path only reads: a refusal alone writes (its audit entry)
        state = session.get(AgentStateRow, user.username)
        owner = session.execute(select(CallRow.agent).where(CallRow.call_id == call_id)).first()
        mine = (state is not None and state.call_id == call_id and state.state in _ON_A_CALL) or (
            owner is not None and owner.agent == user.username)
        if not mine:
            on_it = select(AgentStateRow.username).where(AgentStateRow.call_id == call_id).limit(1)
            known = owner is not None or session.execute(on_it).first() is not None
    if not mine:
        with db.write() as session:
            audit.record(session, user.username, TOKEN_REFUSED, call_id=call_id,
                         detail={"reason": "somebody else's call" if known else "no such call"})
        if known:
            raise ProblemError(403, f"call {call_id} is not {user.username}'s call")
        raise ProblemError(404, f"no call {call_id} is up or recorded")
    token, expires = signer.sign(call_id, time.time())
    return SurveyToken(call_id=call_id, token=token, expires_at=datetime.fromtimestamp(expires, UTC))


@router.post("/v1/calls/{call_id}/satisfaction", status_code=201,
             responses={200: {"description": "The same score was stored before."},
                        403: {"description": "No valid survey token for this call (audited)."},
                        409: {"description": "The call already has a different score."}})
def post_satisfaction(call_id: str, body: SatisfactionInput, response: Response, user: CurrentUser, db: Db,
                      board: Board, signer: Signer) -> Satisfaction:
    """Store the caller's 1-5 score of a call (the call record may come later); written once, and only
    with the survey token the desk got for this call."""
    _check_id(call_id)
    why = signer.refusal(body.token, call_id, time.time())
    if why is not None:
        with db.write() as session:  # the token itself is never written down
            audit.record(session, user.username, SCORE_REFUSED, call_id=call_id,
                         detail={"reason": why, "score": body.score})
        raise ProblemError(403, f"survey token refused: {why}")
    with db.write() as session:
        stored, created = satisfaction.store(session, call_id, body, user.username)
        agent = session.execute(select(CallRow.agent).where(CallRow.call_id == call_id)).scalar_one_or_none()
    if not created:
        response.status_code = 200
    board.touch(agents=[agent])  # the agent's wallboard row shows today's satisfaction
    return stored
