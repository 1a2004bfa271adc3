"""Which calls the desk sends to the satisfaction survey, and what the transfer carries."""

from __future__ import annotations

from agent_tui.desk.calls import SCENARIO_HEADER, CallSession
from agent_tui.desk.survey import (
    CALL_ID_HEADER,
    may_survey,
    survey_call_id,
    survey_on_hangup,
    survey_transfer,
)
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import Direction

URI = "sip:survey@pbx.example"


def talking(**fields: object) -> CallSession:
    session = CallSession("c-1", "13800138000", **fields)  # type: ignore[arg-type]
    session.answered_at = utc_now()
    return session


def test_the_transfer_names_the_original_call_its_token_and_the_language() -> None:
    assert survey_transfer(URI, "c-1", "9.sig") == (URI, {CALL_ID_HEADER: "c-1", "X-Survey-Token": "9.sig"})
    assert survey_transfer(URI, "c-1", "9.sig", "zh") == (
        URI, {"X-Call-Id": "c-1", "X-Survey-Token": "9.sig", "X-Language": "zh"})


def test_the_survey_scores_the_call_as_its_record_names_it() -> None:
    # The PBX's X-Call-Id names the call record (and so the score); the phone's own id otherwise.
    assert survey_call_id(talking(headers={"X-Call-Id": "pbx-42"})) == "pbx-42"
    assert survey_call_id(talking()) == "c-1"


def test_an_answered_customer_call_may_go_to_the_survey() -> None:
    assert may_survey(URI, talking()) is None
    assert may_survey(URI, talking(direction=Direction.OUTBOUND)) is None  # by the key: the agent decides


def test_what_keeps_a_call_from_the_survey() -> None:
    assert may_survey("", talking()) == "No survey is configured ([desk] survey_uri)."
    assert may_survey(URI, None) == "No call to send to the survey."
    assert may_survey(URI, CallSession("c-2", "139")) == "No call to send to the survey."  # still ringing
    consulting = talking()
    consulting.consult_call_id = "c-9"
    assert may_survey(URI, consulting) == "Finish the consultation first."
    assert may_survey(URI, talking(headers={SCENARIO_HEADER: "x"})) == "A training call has no survey."


def test_hanging_up_sends_only_inbound_customer_calls_and_only_when_configured() -> None:
    assert survey_on_hangup(URI, True, talking())
    assert not survey_on_hangup(URI, False, talking())
    assert not survey_on_hangup("", True, talking())
    assert not survey_on_hangup(URI, True, talking(direction=Direction.OUTBOUND))
    assert not survey_on_hangup(URI, True, CallSession("c-2", "139"))
    assert not survey_on_hangup(URI, True, None)
