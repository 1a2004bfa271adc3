"""An agent in training status opens the model calls from the desk (ctrl+e) and exports one; other
states are told to go Not Ready with the reason Training first."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from textual.widgets import Static

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.training import ModelCall
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.train.model_calls_screen import ModelCallsScreen
from agent_tui.ui.train.services import DeskTrainingServices
from tests.support.audio_checks import wav_bytes
from tests.training_e2e.doubles import FakeLauncher, FakeTrainingApi, shipped
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_review_ui import FakeReview, read
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens


def desk(review: FakeReview, export_dir: Path) -> DeskApp:
    training = DeskTrainingServices(api=FakeTrainingApi(shipped()), launcher=FakeLauncher(), review=review,
                                    export_dir=export_dir)
    services = DeskServices(backend=FakeBackend(), writes=FakeWrites(), phone=FakePhone(),
                            screens=LocalScreens(), drafts=DraftStore(state_dir() / "drafts"),
                            training=training)
    return DeskApp(services, DeskOptions(username="agent1"), password=SecretStr("secret"))


async def test_model_calls_open_in_training_status_and_export(tmp_path: Path) -> None:
    review = FakeReview()
    review.audio["good-1"] = wav_bytes(1.0)
    review.model_calls = [ModelCall(call_id="good-1", title="Calm read-back", note="Listen from 01:10.",
                                    agent="agent07", duration_s=185, marked_by="sup01", marked_at=utc_now())]
    app = desk(review, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, "login")
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: bool(app._notifications), "the refusal")
        assert not isinstance(app.screen, ModelCallsScreen)
        assert "reason Training" in list(app._notifications)[-1].message
        app.desk.set_state(AgentStateName.NOT_READY, "training")
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelCallsScreen), "the model calls")
        screen = app.screen
        assert isinstance(screen, ModelCallsScreen)
        status = screen.query_one("#model-status", Static)
        await wait_until(pilot, lambda: "1 model calls" in str(status.render()), "the list")
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.exported, "the export")
        exported = Path(screen.exported[0])
    assert read(exported) == review.audio["good-1"]
    assert exported.parent == tmp_path
