"""What callers leave with the product's voice service: a keypad satisfaction score for a call, and
voicemails (`agent-tui survey`, `POST /v1/calls/{call_id}/satisfaction`, `/v1/voicemails`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import Model

SCORE_MIN = 1
SCORE_MAX = 5
"""The keypad answer's range: 1 (very dissatisfied) to 5 (very satisfied)."""
SURVEY_TOKEN_HEADER = "X-Survey-Token"  # noqa: S105 - a header name
"""The SIP header that carries the survey token from the desk's transfer to the survey (in the Refer-To)."""
SURVEY_TOKEN_MAX = 200
"""Longest survey token accepted (ours are ~55 characters; SIP headers reach the survey cut at 256)."""


class SatisfactionInput(Model):
    """Body of `POST /v1/calls/{call_id}/satisfaction`."""

    score: int = Field(ge=SCORE_MIN, le=SCORE_MAX, description="The caller's keypad answer, 1-5.")
    method: str = Field(default="", max_length=20, description="How the digit came: rfc2833 or info.")
    token: str | None = Field(
        default=None, max_length=SURVEY_TOKEN_MAX,
        description="The survey token the desk's transfer carried (`X-Survey-Token`): signed by the backend "
        "for this call only. A score without one, or with one expired or made for another call, is 403.")


class SurveyToken(Model):
    """Answer of `POST /v1/calls/{call_id}/survey-token`: what lets the survey score this one call."""

    call_id: str
    token: str = Field(description="Opaque; the desk sends it with the transfer as `X-Survey-Token`.")
    expires_at: datetime = Field(description="A score arriving later with it is refused.")


class Satisfaction(Model):
    """A caller's score of one call: written once, by the survey service."""

    call_id: str
    score: int = Field(ge=SCORE_MIN, le=SCORE_MAX)
    scored_at: datetime
    scored_by: str = Field(description="The service account that stored it.")
    method: str = ""


class Voicemail(Model):
    """A message a caller left; its WAV is at `GET /v1/voicemails/{id}/audio`, its callback names it."""

    id: str = Field(description="The voicemail's id, as in the callback's `voicemail` field.")
    number: str
    queue: str | None = None
    left_at: datetime
    duration_s: float = Field(ge=0)
    size: int = Field(ge=0)
    uploaded_by: str
    callback_id: int | None = Field(default=None, description="The callback made for it (None: the "
                                    "number already waited for one).")
