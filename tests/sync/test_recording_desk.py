"""The desk queues a real call's finished recording for upload through the outbox (`upload_recording`)."""

from __future__ import annotations

from pathlib import Path

from agent_tui.desk.calls import SCENARIO_HEADER, CallPhase
from agent_tui.phone.events import CallEnded, CallState, RecordingReady
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from tests.sync.test_recording_outbox import write_wav
from tests.ui.doubles import FakePhone
from tests.ui.helpers import make_app, wait_until


def ended(app: DeskApp, call_id: str) -> bool:
    call = app.desk.calls.get(call_id)
    return call is not None and call.phase is CallPhase.ENDED


def answer_and_end(phone: FakePhone, call_id: str, headers: dict[str, str] | None = None) -> None:
    phone.ring(call_id=call_id, headers=headers)
    phone.emit(CallState(call_id=call_id, state="confirmed"))
    phone.emit(CallEnded(call_id=call_id, reason="bye", code=200, duration_s=3.0))


async def test_a_finished_recording_is_queued_once_and_only_for_real_calls(tmp_path: Path) -> None:
    options = DeskOptions(username="agent1", recordings_dir=tmp_path, recordings_min_free_mb=0)
    app, phone, _, writes = make_app(options=options)
    real, empty, training = tmp_path / "c1.wav", tmp_path / "c2.wav", tmp_path / "c3.wav"
    write_wav(real, seconds=0.2)
    empty.write_bytes(b"RIFF" + b"\0" * 40)  # a header and no audio: a failed recording
    write_wav(training, seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        answer_and_end(phone, "c1")
        await wait_until(pilot, lambda: ended(app, "c1"), what="c1 ended")
        phone.emit(RecordingReady(call_id="c1", path=str(real)))
        await wait_until(pilot, lambda: len(writes.recordings) == 1, what="the upload queued")
        # Queued after the call record, so the outbox (FIFO) sends the record first and the backend
        # ties the recording to its agent and queue.
        assert [c.call_id for c in writes.calls] == ["c1"]
        answer_and_end(phone, "c2")
        phone.emit(RecordingReady(call_id="c2", path=str(empty)))
        answer_and_end(phone, "c3", headers={SCENARIO_HEADER: "outage-1"})
        phone.emit(RecordingReady(call_id="c3", path=str(training)))
        await wait_until(pilot, lambda: ended(app, "c3"), what="c3 ended")
        await pilot.pause()
    assert {c.call_id for c in writes.calls} >= {"c1", "c2", "c3"}  # the three calls did end
    assert writes.recordings == [("c1", real, False)]
