"""The desk's survey key and figure: ctrl+x sends the caller to the survey with the call's id and the
survey token the backend signed for it; without a token nobody is sent; `survey_on_hangup` turns the
hang-up into that transfer; today's satisfaction shows in the status bar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.app import App

from agent_tui.domain.base import Problem
from agent_tui.domain.supervision import AgentFigures
from agent_tui.domain.voice import SurveyToken
from agent_tui.sync.errors import BackendRejected
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from tests.ui.doubles import FakeBackend
from tests.ui.helpers import answer_first_call, make_app, screen_text, wait_until

SURVEY = "sip:survey@pbx.example"


class Tokens:
    """The backend's survey tokens: one per call asked for, or a refusal."""

    def __init__(self, refuse: bool = False, silent: bool = False) -> None:
        self.refuse = refuse
        self.silent = silent
        self.asked: list[str] = []

    async def survey_token(self, call_id: str) -> SurveyToken:
        self.asked.append(call_id)
        if self.refuse:
            raise BackendRejected(404, Problem(title="Not Found", status=404, detail="no call is up"))
        if self.silent:  # a backend that never answers: the desk's own deadline ends the wait
            raise TimeoutError
        return SurveyToken(call_id=call_id, token=f"1900000000.sig-{call_id}",
                           expires_at=datetime(2030, 1, 1, tzinfo=UTC))


def with_tokens(app: DeskApp, tokens: Tokens) -> Tokens:
    app.services.survey_tokens = tokens
    return tokens


def notes(app: App[Any]) -> str:
    """The texts of the notifications shown now."""
    return " | ".join(str(n.message) for n in app._notifications)


async def test_ctrl_y_sends_the_caller_to_the_survey_with_the_calls_id() -> None:
    backend = FakeBackend()
    backend.figures_today = AgentFigures(satisfaction_count=2, satisfaction_avg=4.5)
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", survey_uri=SURVEY))
    tokens = with_tokens(app, Tokens())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await wait_until(pilot, lambda: "Sat 4.5" in screen_text(app), what="today's satisfaction shown")
        await pilot.press("ctrl+x")
        await wait_until(pilot, lambda: "No call to send to the survey." in notes(app))
        await answer_first_call(pilot, app, phone)
        await pilot.press("ctrl+x")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names())
        assert ("blind_transfer", ("c1", SURVEY)) in phone.commands
        assert phone.transfer_headers["X-Call-Id"] == "c1"
        assert phone.transfer_headers["X-Survey-Token"] == "1900000000.sig-c1"
        assert tokens.asked == ["c1"]
        # A caller scored later: the next refresh shows the new average.
        backend.figures_today = AgentFigures(satisfaction_count=3, satisfaction_avg=4.0)
        await app.desk.refresh_satisfaction()
        await wait_until(pilot, lambda: "Sat 4.0" in screen_text(app), what="refreshed")


async def test_survey_on_hangup_turns_the_hang_up_into_the_transfer() -> None:
    options = DeskOptions(username="agent1", survey_uri=SURVEY, survey_on_hangup=True)
    app, phone, _, _ = make_app(options=options)
    with_tokens(app, Tokens())
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names())
        assert "hangup" not in phone.names()
        assert ("blind_transfer", ("c1", SURVEY)) in phone.commands


async def test_without_a_survey_token_the_caller_stays_and_the_agent_is_told() -> None:
    app, phone, _, _ = make_app(options=DeskOptions(username="agent1", survey_uri=SURVEY))
    tokens = with_tokens(app, Tokens(refuse=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("ctrl+x")
        await wait_until(pilot, lambda: "no survey token" in notes(app), what="the refusal told")
        assert "404" in notes(app)
        assert tokens.asked == ["c1"]
        assert "blind_transfer" not in phone.names()
        assert app.desk.active_id == "c1"  # the caller is still with the agent


async def test_hanging_up_without_a_survey_token_still_hangs_up() -> None:
    options = DeskOptions(username="agent1", survey_uri=SURVEY, survey_on_hangup=True)
    app, phone, _, _ = make_app(options=options)
    with_tokens(app, Tokens(silent=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: "hangup" in phone.names(), what="hung up after the refusal")
        assert "blind_transfer" not in phone.names()
        assert "no survey token (no answer from the backend)" in notes(app)
