"""Training calls on the desk with doubles: trainer-launched and self-practice, scored at the end."""

from __future__ import annotations

from typing import Any

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.training import Scenario
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, EngineStarted
from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.desk import DeskScreen
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.training_panel import TrainingPanel
from agent_tui.ui.train.autopilot import play_call
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from agent_tui.ui.train.services import DeskTrainingServices
from tests.training_e2e.doubles import FakeCaller, FakeLauncher, FakeTrainingApi, shipped
from tests.training_e2e.pilot_helpers import choose_scenario, picking, wait_until
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens

SCENARIO = "repair_wire_down_en"


SKIPPED_READBACK_S = 30.0
"""The read-back minimum when the trainee skips it: moving on at once stays far below it even on a loaded
machine (with 0.6 s, a slow Pilot made the "skip" count as a read-back)."""


def quick(scenario: Scenario, min_readback_s: float = 0.6) -> Scenario:
    """The scenario with the read-back minimum given (short: the scripted trainee's reading time is short)."""
    targets = scenario.targets.model_copy(update={"min_readback_s": min_readback_s})
    return scenario.model_copy(update={"targets": targets})


def make_desk(min_readback_s: float = 0.6) -> tuple[DeskApp, FakePhone, FakeWrites, FakeTrainingApi,
                                                    FakeLauncher]:
    scenarios = shipped()
    scenarios[SCENARIO] = quick(scenarios[SCENARIO], min_readback_s)
    api = FakeTrainingApi(scenarios)
    launcher = FakeLauncher()
    phone, writes = FakePhone(), FakeWrites()
    services = DeskServices(backend=FakeBackend(), writes=writes, phone=phone, screens=LocalScreens(),
                            drafts=DraftStore(state_dir() / "drafts"),
                            training=DeskTrainingServices(api=api, launcher=launcher))
    from pydantic import SecretStr

    app = DeskApp(services, DeskOptions(username="agent1"), password=SecretStr("secret"))
    return app, phone, writes, api, launcher




def desk_of(app: DeskApp) -> DeskScreen:
    return app.desk


def command(name: str, **data: Any) -> LiveEventMessage:
    return LiveEventMessage(Event(id=1, kind=EventKind.COMMAND, at=utc_now(), target="agent1",
                                  data={"command": name, "data": {**data, "by": "trainer01"}}))


def training_headers(attempt: str) -> dict[str, str]:
    return {"X-Training-Scenario": SCENARIO, "X-Training-Attempt": attempt, "X-Account": "3101150077821"}


async def practise_from_desk(pilot: Any, app: DeskApp, phone: FakePhone,
                             launcher: FakeLauncher) -> FakeCaller:
    """Log in, start the phone, ctrl+t, pick SCENARIO: the simulated caller the desk launched for it."""
    desk = desk_of(app)
    await wait_until(pilot, lambda: desk.logged_in, "login")
    phone.emit(EngineStarted(address="127.0.0.1:5099", udp_port=5099))
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: picking(app), "the scenario list")
    picker = app.screen
    assert isinstance(picker, ScenarioPickScreen)
    await choose_scenario(pilot, picker, SCENARIO)
    await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
    return launcher.callers[0]


async def test_trainer_launched_call_scores_100_and_stays_apart() -> None:
    app, phone, writes, api, _launcher = make_desk()
    async with app.run_test(size=(120, 40)) as pilot:
        desk = desk_of(app)
        await wait_until(pilot, lambda: desk.logged_in, "login")
        app.post_message(command("training_launch", scenario=SCENARIO, attempt="att-1"))
        await wait_until(pilot, lambda: "Your trainer trainer01 starts a scenario" in desk.query_one(
            TrainingPanel).shown, "the launch on the panel")
        phone.ring("c9", number="13621987654", headers=training_headers("att-1"))
        app.post_message(command("training_caption", text="A cable has come down outside!", attempt="att-1"))
        await wait_until(pilot, lambda: "A cable has come down" in desk.query_one(TrainingPanel).shown,
                         "the caption")
        # The screen pop shows the scenario's caller, not a backend customer.
        await wait_until(pilot, lambda: desk.calls["c9"].customer is not None, "the pop")
        assert desk.calls["c9"].customer is not None
        assert desk.calls["c9"].customer.name == "David Miller"
        app.post_message(command("training_hint", text="Safety first.", attempt="att-1"))
        await wait_until(pilot, lambda: "Safety first." in desk.query_one(TrainingPanel).shown, "the hint")

        await play_call(pilot, api.scenarios[SCENARIO])
        phone.emit(CallEnded(call_id="c9", reason="Normal call clearing", code=200, duration_s=30))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card")
        card_screen = app.screen
        assert isinstance(card_screen, ScoreCardScreen)
        assert card_screen.card.total == 100, card_screen.rows
        await wait_until(pilot, lambda: api.attempts, "the attempt stored")
        stored = api.attempts[0]
        assert stored.launched_by == "trainer01"
        assert stored.attempt_id == "att-1"
        assert stored.trainee == "agent1"
        assert stored.transcript == ["A cable has come down outside!"]
        steps = [p.step for p in api.progress if p.kind == "step"]
        assert steps[:5] == ["fault", "emergency", "contact", "readback", "submitted"]
        assert {p.attempt_id for p in api.progress} == {"att-1"}
        # Training data stays apart: a training order for no customer, a training call record, no KPIs.
        assert len(writes.tickets) == 1
        assert writes.tickets[0].training is True
        assert writes.tickets[0].customer_id is None
        assert writes.tickets[0].priority == 1
        assert writes.calls
        assert all(record.training for record in writes.calls)
        assert desk.stats.calls == 0
        assert desk.status.state == AgentStateName.NOT_READY
        assert desk.status.reason == "training"


async def test_self_practice_skipping_the_readback_names_the_miss() -> None:
    app, phone, writes, api, launcher = make_desk(SKIPPED_READBACK_S)
    async with app.run_test(size=(120, 40)) as pilot:
        desk = desk_of(app)
        caller = await practise_from_desk(pilot, app, phone, launcher)
        assert caller.target == "sip:agent1@127.0.0.1:5099"
        assert caller.scenario is not None
        assert caller.scenario.id == SCENARIO
        assert desk.status.reason == "training"
        await wait_until(pilot, lambda: "sip:agent1@127.0.0.1:5099" in api.announced, "the announcement")
        caller.emit("caption", text="Hello? Is this the power company?", line="opening")
        await wait_until(pilot, lambda: "power company" in desk.query_one(TrainingPanel).shown, "the caption")

        phone.ring("c5", number="13621987654", headers=training_headers(caller.attempt_id))
        await play_call(pilot, api.scenarios[SCENARIO], skip_readback=True)
        # The desk cues its own caller with each step reached.
        assert {"cmd": "step", "step": "readback"} in caller.sent
        phone.emit(CallEnded(call_id="c5", reason="Normal call clearing", code=200, duration_s=30))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card")
        card_screen = app.screen
        assert isinstance(card_screen, ScoreCardScreen)
        card = card_screen.card
        assert card.total < 100
        assert not card.passed
        assert [line.key for line in card.missed] == ["step:readback"]
        shown = str(card_screen.query_one("#card-rows").render())
        assert "Skipped the read-back" in shown
        await wait_until(pilot, lambda: api.attempts, "the attempt stored")
        assert api.attempts[0].launched_by is None
        assert api.attempts[0].card.total == card.total
        await wait_until(pilot, lambda: caller.stopped, "the caller ended")
        assert writes.tickets[0].training is True


async def test_self_practice_whose_caller_process_died_ends_the_call_and_scores_it() -> None:
    app, phone, _writes, api, launcher = make_desk()
    async with app.run_test(size=(120, 40)) as pilot:
        caller = await practise_from_desk(pilot, app, phone, launcher)
        phone.ring("c7", number="13621987654", headers=training_headers(caller.attempt_id))
        await play_call(pilot, api.scenarios[SCENARIO])
        assert "hangup" not in phone.names()
        caller.alive = False
        caller.emit("exited", code=-11)  # SIGSEGV: no "ended" before it, no BYE ever comes
        # The desk hangs the orphaned call up (the fake phone then reports its end, as the engine does).
        await wait_until(pilot, lambda: "hangup" in phone.names(), "the desk ending the orphaned call")
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card")
        card_screen = app.screen
        assert isinstance(card_screen, ScoreCardScreen)
        assert card_screen.card.total == 100, card_screen.rows
