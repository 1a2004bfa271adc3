"""A walk through the monitor's and the trainer's screens, for `scripts/screenshots.py`.

Built like tests/ui/test_snapshots_monitor_train.py drives them: the apps run on the in-process doubles
of the monitor and training tests (no network, no SIP), and `visit(stop)` is called at each screen state
once its data is on screen; the caller photographs it (or checks it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from textual.app import App

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.recordings import Recording
from agent_tui.domain.training import Attempt, AttemptCreate, TranscriptLine
from agent_tui.ui.monitor.campaigns import CampaignsScreen
from agent_tui.ui.monitor.orders_panel import OrdersScreen
from agent_tui.ui.monitor.qa import QaScreen
from agent_tui.ui.monitor.recordings import RecordingsScreen
from agent_tui.ui.monitor.reports import ReportsScreen
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.review_playback import RecordingAccess
from tests.monitor.campaign_doubles import FakeCampaigns, campaign
from tests.monitor.doubles import FakeApi, agent_row, make_monitor, queue_panel, snapshot
from tests.monitor.test_orders_panel import FakeOrders
from tests.training.test_scoring import _card
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import review_first_attempt
from tests.training_e2e.test_console import table_text, trainee
from tests.training_e2e.test_review_ui import FakePlayer, FakeReview, console
from tests.ui.helpers import screen_text, wait_until

MONITOR_STOPS: tuple[str, ...] = ("wallboard", "orders", "campaigns", "recordings", "qa", "reports")
"""Every monitor screen the tour visits, in order."""

TRAINER_STOPS: tuple[str, ...] = ("console", "score-card", "review")
"""Every trainer screen the tour visits, in order."""

SCENARIO = "repair_wire_down_en"

Visit = Callable[[str], Awaitable[None]]


def monitor_app(language: str) -> tuple[App[Any], list[Any]]:
    """A monitor on doubles with one recording, two orders at risk and two campaigns; and its feeds."""
    api = FakeApi()
    now = utc_now()
    api.items = [Recording(call_id="demo-rec-01", agent="agent0001", queue="95598-repair",
                           number="13621987654", started_at=now - timedelta(minutes=12), duration_s=31.5,
                           size=4, sha256="x", uploaded_at=now, uploaded_by="agent0001")]
    app, _api, _phone, feeds = make_monitor(api=api, language=language)
    app.services.orders = FakeOrders()
    names = ("欠费催缴", "回访") if language == "zh" else ("Arrears reminder", "Return visits")
    app.services.campaigns = FakeCampaigns([campaign(2, names[0], "running", total=40, done=17),
                                            campaign(1, names[1], "draft")])
    return app, feeds


def _wallboard() -> Any:
    """Twelve agents in every state, two of them on calls, and three queues."""
    now = utc_now()
    snap = snapshot(agents=12, queues=[queue_panel("95598-repair", waiting=3, sl=0.82, asa=24.0),
                                       queue_panel("billing", sl=0.95), queue_panel("complaints", sl=0.7,
                                                                                     waiting=1)])
    snap.agents[1] = agent_row(2, AgentStateName.ON_CALL, call_id="call-77", call_number="13800138000",
                               call_queue="95598-repair", since=now - timedelta(seconds=95))
    snap.agents[4] = agent_row(5, AgentStateName.ON_CALL, call_id="call-78", call_number="13911112222",
                               call_queue="billing", since=now - timedelta(seconds=250))
    snap.agents[6] = agent_row(7, AgentStateName.NOT_READY, reason="break", since=now - timedelta(minutes=7))
    snap.agents[8] = agent_row(9, AgentStateName.ACW, since=now - timedelta(seconds=40))
    snap.agents[10] = agent_row(11, AgentStateName.RINGING, call_number="13700001111")
    return snap


async def monitor_tour(pilot: Any, app: Any, feeds: list[Any], visit: Visit) -> None:
    """The wallboard, the orders panel (ctrl+g), the campaigns panel (ctrl+n), recordings (ctrl+r) with
    a QA form (f5), and the reports (ctrl+t)."""
    await wait_until(pilot, lambda: feeds, what="the feed")
    feeds[0].sink.snapshot(_wallboard())
    await wait_until(pilot, lambda: app.wallboard.agents.row_count == 12, what="rows")
    await pilot.pause()
    await visit("wallboard")

    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: isinstance(app.screen, OrdersScreen) and len(app.screen.shown) == 2,
                     what="the orders panel")
    await pilot.pause()
    await visit("orders")
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, OrdersScreen), what="the wallboard")

    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: isinstance(app.screen, CampaignsScreen)
                     and len(app.screen.model.campaigns) == 2, what="the campaigns panel")
    await pilot.pause()
    await visit("campaigns")
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, CampaignsScreen), what="the wallboard")

    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen)
                     and "demo-rec-01" in app.screen.found, what="recordings")
    await pilot.pause()
    await visit("recordings")
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, QaScreen), what="the QA form")
    await pilot.pause()
    await visit("qa")
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen), what="back to recordings")
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, RecordingsScreen), what="the wallboard")

    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, ReportsScreen) and "billing" in screen_text(app),
                     what="the report")
    await pilot.pause()
    await visit("reports")


async def trainer_app(language: str) -> App[Any]:
    """A trainer console on doubles: three trainees ready, with one scored attempt to review."""
    api = FakeTrainingApi(trainees=[trainee(f"agent{n:02d}", f"sip:agent{n:02d}@127.0.0.1:50{n:02d}")
                                    for n in (2, 3, 4)])
    lines = [TranscriptLine(at_s=4.0 * i, text=text) for i, text in enumerate((
        "Hello? A power line has come down outside, it is lying on the pavement!",
        "88 Gubei Road, at the north gate, by the bus stop.",
        "Yes, it is sparking, and the building has no power. Nobody is hurt.",
        "David Miller, on 13621987654.",
        "Thank you, I will keep people away from it."))]
    await api.post_attempt(AttemptCreate(
        attempt_id="att-shot", scenario_id=SCENARIO, trainee="agent02", launched_by="trainer01",
        card=_card(SCENARIO, readback_s=0.8), caller_lines=lines, recording="c-shot",
        attempt=Attempt(scenario_id=SCENARIO, route=["fault", "emergency", "contact", "submitted"])))
    return console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=None), language)


async def trainer_tour(pilot: Any, app: Any, visit: Visit) -> None:
    """The console with its trainee, a score card, and the review of the trainee's attempt (F8, Enter)."""
    await wait_until(pilot, lambda: "agent02" in table_text(app), what="the trainees")
    await pilot.pause()
    await visit("console")
    app.push_screen(ScoreCardScreen("Wire down", _card(SCENARIO)))
    await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), what="the card")
    await pilot.pause()
    await visit("score-card")
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, ScoreCardScreen), what="the card closed")
    await pilot.press("f8")
    await review_first_attempt(app, pilot)
    await pilot.pause()
    await visit("review")
