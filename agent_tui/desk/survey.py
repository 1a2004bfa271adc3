"""Sending a caller to the keypad satisfaction survey after the goodbye (`agent-tui survey`).

The desk blind-transfers the caller to the configured survey URI; the transfer carries the call's id
(the id of the desk's call record) in `X-Call-Id`, which the engine puts in the Refer-To URI, so the
caller's phone sends it in its INVITE to the survey, which stores the score against that call. Anyone
can call the survey with any `X-Call-Id`, so the desk first gets a survey token for its own call from
the backend and sends it along (`X-Survey-Token`); the backend stores no score without it.
"""

from __future__ import annotations

from typing import Protocol

from agent_tui.desk.calls import CallSession, is_training_call
from agent_tui.domain.call import Direction
from agent_tui.domain.voice import SURVEY_TOKEN_HEADER, SurveyToken

CALL_ID_HEADER = "X-Call-Id"
"""The header that names the original call to the survey (agent_tui.phone.survey reads it)."""
LANGUAGE_HEADER = "X-Language"
"""Optional: the language the survey speaks to the caller."""


TOKEN_WAIT_S = 3.0
"""How long the desk waits for the backend's survey token before telling the agent the survey is out of
reach (the caller is still on the line, listening to the goodbye)."""


class SurveyTokens(Protocol):
    """Where the desk gets the token that lets the survey score its call (`sync.survey_tokens`)."""

    async def survey_token(self, call_id: str) -> SurveyToken:
        """A token for this desk's own call (the backend refuses anyone else's)."""


def survey_call_id(session: CallSession) -> str:
    """The id the survey scores: the call's id towards the backend, as its call record names it (the PBX's
    X-Call-Id when it sent one), so the score joins the record."""
    return session.backend_id[:128]


def survey_transfer(survey_uri: str, call_id: str, token: str,
                    language: str | None = None) -> tuple[str, dict[str, str]]:
    """(target, headers) of the blind transfer that sends a caller to the survey."""
    headers = {CALL_ID_HEADER: call_id, SURVEY_TOKEN_HEADER: token}
    if language:
        headers[LANGUAGE_HEADER] = language
    return survey_uri, headers


def may_survey(survey_uri: str, session: CallSession | None) -> str | None:
    """Why this call cannot go to the survey (None: it can), in English for the translator."""
    if not survey_uri.strip():
        return "No survey is configured ([desk] survey_uri)."
    if session is None or not session.answered:
        return "No call to send to the survey."
    if session.consult_call_id is not None:
        return "Finish the consultation first."
    if is_training_call(session):
        return "A training call has no survey."
    return None


def survey_on_hangup(survey_uri: str, enabled: bool, session: CallSession | None) -> bool:
    """Whether hanging up this call sends the caller to the survey instead: `[desk] survey_on_hangup`,
    for an answered customer's call (inbound; not a training call, not during a consultation)."""
    return (enabled and session is not None and session.direction == Direction.INBOUND
            and may_survey(survey_uri, session) is None)
