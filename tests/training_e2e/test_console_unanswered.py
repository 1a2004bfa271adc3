"""A simulated call that ended before the trainee answered says so on the console: "no answer" in the
table and a status line naming the trainee (also once the score comes), not a bare "ended"."""

from __future__ import annotations

from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.train.roster import Roster, TraineeRow
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import launch, make_console, table_text, trainee, training_event


def test_a_call_that_ended_ringing_is_unanswered_and_one_that_was_answered_ended() -> None:
    roster = Roster()
    roster.update([trainee("agent02", "sip:a@b"), trainee("agent03", "sip:c@d")])
    rang_out, talked = roster.rows["agent02"], roster.rows["agent03"]
    for row in (rang_out, talked):
        row.start("s", "S", f"att-{row.username}")
        row.caller_dialing()
    talked.caller_answered()
    assert rang_out.call_ended() is True
    assert talked.call_ended() is False
    assert (rang_out.call, talked.call) == ("unanswered", "ended")
    # The desk's own report of the end comes too: told once, still unanswered.
    assert rang_out.call_ended() is False
    assert rang_out.call == "unanswered"
    fresh = TraineeRow(trainee("agent04", "sip:e@f"))
    fresh.start("s", "S", "att-4")
    fresh.caller_dialing()
    fresh.caller_exited()
    assert fresh.call == "failed"


async def test_the_console_says_the_trainee_did_not_answer() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, launcher = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await launch(pilot, app)
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
        caller = launcher.callers[0]
        caller.emit("dialing", call_id="c1")
        caller.emit("ended", call_id="c1", reason="Temporarily Unavailable", code=480)
        caller.alive = False
        caller.emit("exited", code=0)
        await wait_until(pilot, lambda: "no answer" in table_text(app), "the call marked unanswered")
        status = str(app.console_screen.query_one("#console-status").render())
        assert "agent02 did not answer" in status
        result = {"type": "result", "trainee": "agent02", "attempt_id": caller.attempt_id, "total": 0,
                  "passed": False}
        app.post_message(LiveEventMessage(training_event(result)))
        await wait_until(pilot, lambda: "0 ✗" in table_text(app), "the score")
        status = str(app.console_screen.query_one("#console-status").render())
        assert status == "agent02 did not answer: scored 0 ✗."


def test_a_self_practice_call_that_rang_out_is_unanswered_on_the_console() -> None:
    roster = Roster()
    roster.update([trainee("agent02", "sip:a@b")])
    base = {"type": "progress", "trainee": "agent02", "attempt_id": "self-1", "self_practice": True,
            "scenario_id": "s"}
    roster.progress({**base, "kind": "call", "detail": "ringing"})
    roster.progress({**base, "kind": "finished", "detail": "0 ✗"})
    row = roster.rows["agent02"]
    assert (row.call, row.score) == ("unanswered", "0 ✗")
