"""Sending a caller to the keypad satisfaction survey after the goodbye (`agent-tui survey`).

The desk blind-transfers the caller to the configured survey URI; the transfer carries the call's id
(the id of the desk's call record) in `X-Call-Id`, which the engine puts in the Refer-To URI, so the
caller's phone sends it in its INVITE to the survey, which stores the score against that call.
"""

from __future__ import annotations

from agent_tui.desk.calls import CallSession

CALL_ID_HEADER = "X-Call-Id"
"""The header that names the original call to the survey (agent_tui.phone.survey reads it)."""
LANGUAGE_HEADER = "X-Language"
"""Optional: the language the survey speaks to the caller."""


def survey_transfer(survey_uri: str, call_id: str, language: str | None = None) -> tuple[str, dict[str, str]]:
    """(target, headers) of the blind transfer that sends a caller to the survey."""
    headers = {CALL_ID_HEADER: call_id}
    if language:
        headers[LANGUAGE_HEADER] = language
    return survey_uri, headers


def may_survey(survey_uri: str, session: CallSession | None) -> str | None:
    """Why this call cannot go to the survey (None: it can): no survey configured, no call, or a call
    that is not a customer's (training, outbound to a colleague...)."""
    if not survey_uri.strip():
        return "No survey is configured ([desk] survey_uri)."
    if session is None:
        return "No call to send to the survey."
    if session.consult_call_id is not None:
        return "Finish the consultation first."
    return None
