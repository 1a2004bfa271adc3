"""The trainer's console with in-process doubles: trainees, launch, progress, hints, takeover, results."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.training import AttemptCreate, ScoreCard, ScoreLine, Trainee
from agent_tui.i18n import Translator
from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.console_services import ConsoleServices
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from tests.training_e2e.doubles import FakeLauncher, FakeTrainingApi
from tests.training_e2e.pilot_helpers import choose_scenario, picking, review_first_attempt, wait_until

SCENARIO = "repair_wire_down_en"


def trainee(username: str, sip_uri: str | None) -> Trainee:
    return Trainee(username=username, display_name=username.title(), state="not_ready", reason="training",
                   sip_uri=sip_uri)


def make_console(api: FakeTrainingApi, language: str = "en") -> tuple[TrainApp, FakeLauncher]:
    launcher = FakeLauncher()
    services = ConsoleServices(auth=api, api=api, launcher=launcher)
    app = TrainApp(services, DeskOptions(username="trainer01", language=language), password=SecretStr("x"),
                   translator=Translator(language))
    return app, launcher




def table_text(app: TrainApp) -> str:
    table = app.console_screen.query_one("#trainees", DataTable)
    return "\n".join(" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


def training_event(data: dict[str, Any], event_id: int = 1) -> Event:
    return Event(id=event_id, kind=EventKind.TRAINING, at=utc_now(), data=data)


async def launch(pilot: Pilot[Any], app: TrainApp, scenario_id: str = SCENARIO) -> None:
    await pilot.press("f2")
    await wait_until(pilot, lambda: picking(app), "the scenario list")
    picker = app.screen
    assert isinstance(picker, ScenarioPickScreen)
    await choose_scenario(pilot, picker, scenario_id)


async def test_launch_progress_hint_takeover_and_results() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070"),
                                    trainee("agent03", None)])
    app, launcher = make_console(api)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app) and "agent03" in table_text(app),
                         "the trainees")
        assert api.logins == ["trainer01"]
        await launch(pilot, app)
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
        caller = launcher.callers[0]
        # The desk is told first (so it knows the call is training), then rung at its announced address.
        assert api.commands[0][:2] == ("agent02", "training_launch")
        assert api.commands[0][2]["scenario"] == SCENARIO
        assert caller.target == "sip:agent02@127.0.0.1:5070"
        assert caller.attempt_id == api.commands[0][2]["attempt"]
        # The caller plays the scenario as the backend served it, not a shipped copy.
        assert caller.scenario == api.scenarios[SCENARIO]
        assert "Fallen power line" in table_text(app)

        caller.emit("answered", call_id="c1")
        caller.emit("caption", text="Hello? Is this the power company?", line="opening")
        await wait_until(pilot, lambda: "training_caption" in api.names(), "the caption relayed")
        assert api.commands[-1] == ("agent02", "training_caption",
                                    {"text": "Hello? Is this the power company?",
                                     "attempt": caller.attempt_id, "line": "opening"})
        assert "Hello? Is this the power company?" in table_text(app)

        # The trainee's step reaches the console and cues the simulated caller.
        progress = {"type": "progress", "trainee": "agent02", "attempt_id": caller.attempt_id,
                    "scenario_id": SCENARIO, "kind": "step", "step": "emergency"}
        app.post_message(LiveEventMessage(training_event(progress)))
        await wait_until(pilot, lambda: caller.sent, "the step forwarded")
        assert caller.sent == [{"cmd": "step", "step": "emergency"}]
        fields = {**progress, "kind": "fields", "filled": 3, "total": 4}
        app.post_message(LiveEventMessage(training_event(fields, 2)))
        await wait_until(pilot, lambda: "3/4" in table_text(app), "the fields count")
        other = {**progress, "attempt_id": "someone-else", "step": "contact"}
        app.post_message(LiveEventMessage(training_event(other, 3)))
        await pilot.pause()
        assert caller.sent == [{"cmd": "step", "step": "emergency"}]

        # A hint goes to the highlighted trainee's desk.
        await pilot.press("f4")
        await wait_until(pilot, lambda: bool(app.screen.query("#hint-text")), "the hint box")
        app.screen.query_one("#hint-text", Input).value = "Give safety advice first."
        await pilot.press("enter")
        await wait_until(pilot, lambda: "training_hint" in api.names(), "the hint sent")
        assert api.commands[-1][2]["text"] == "Give safety advice first."

        # Take over the customer's role and hand it back.
        await pilot.press("f5")
        await wait_until(pilot, lambda: "training_takeover" in api.names(), "the takeover")
        assert caller.sent[-1] == {"cmd": "takeover"}
        assert "you speak" in table_text(app)
        await pilot.press("f5")
        await wait_until(pilot, lambda: "training_release" in api.names(), "the release")
        assert caller.sent[-1] == {"cmd": "release"}
        await pilot.press("f6")
        assert caller.sent[-1] == {"cmd": "next"}

        # The result arrives; the history shows the card with what was missed.
        card = ScoreCard(scenario_id=SCENARIO, total=80, passed=False, lines=[
            ScoreLine(key="step:readback",
                      text="Skipped the read-back: the details were not read back to the caller",
                      points=0, possible=20),
            ScoreLine(key="time", text="Handling time {time}, within the target of {target}",
                      params={"time": "1:00", "target": "4:00"}, points=80, possible=80)])
        await api.post_attempt(AttemptCreate(attempt_id=caller.attempt_id, scenario_id=SCENARIO,
                                             trainee="agent02", launched_by="trainer01", card=card))
        result = {"type": "result", "trainee": "agent02", "attempt_id": caller.attempt_id, "total": 80,
                  "passed": False}
        app.post_message(LiveEventMessage(training_event(result, 4)))
        await wait_until(pilot, lambda: "80 ✗" in table_text(app), "the score")
        await pilot.press("f8")
        review = await review_first_attempt(app, pilot)
        text = str(review.query_one("#review-card").render())
        assert "✗" in text
        assert "Skipped the read-back" in text
        assert "Total 80 of 100" in text


async def test_launch_to_several_and_missing_address() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070"),
                                    trainee("agent03", "sip:agent03@127.0.0.1:5071"),
                                    trainee("agent04", None)])
    app, launcher = make_console(api)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "agent04" in table_text(app), "the trainees")
        table = app.console_screen.query_one("#trainees", DataTable)
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.press("f3")
        await launch(pilot, app, "consultation_outage_en")
        await wait_until(pilot, lambda: len(launcher.callers) == 2, "two simulated callers")
        assert sorted(c.target for c in launcher.callers) == ["sip:agent02@127.0.0.1:5070",
                                                             "sip:agent03@127.0.0.1:5071"]
        assert len({c.attempt_id for c in launcher.callers}) == 2
        assert [c[0] for c in api.commands if c[1] == "training_launch"] == ["agent02", "agent03"]


async def test_console_in_chinese_at_80x24() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, _launcher = make_console(api, "zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        title = str(app.console_screen.query_one("#console-title").render())
        assert title == "培训师控制台"
        await pilot.press("f2")
        await wait_until(pilot, lambda: picking(app), "the scenario list")
        labels = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any("电线断落" in label for label in labels)
