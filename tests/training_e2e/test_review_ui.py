"""Review and model calls on the trainer's console (Pilot, doubles), and the desk's side of review.

The console: results (f8) → Enter opens the review of an attempt: its card, the steps reached, the
caller's lines with mm:ss, and the recording to play (a player, or, on a machine without sound, the
exported WAV's path) or export. `m` opens the model calls. The desk: a training call's caller lines
are stored with their times from the answer, and its recording is uploaded marked training.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from textual.widgets import OptionList, Static

from agent_tui.domain.base import Problem, utc_now
from agent_tui.domain.training import (
    Attempt,
    AttemptCreate,
    AttemptRecord,
    ModelCall,
    ScoreCard,
    ScoreLine,
    Trainee,
    TranscriptLine,
)
from agent_tui.forms.drafts import DraftStore
from agent_tui.i18n import Translator
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, RecordingReady
from agent_tui.sync.errors import BackendRejected
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.autopilot import play_call
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.console_services import ConsoleServices
from agent_tui.ui.train.model_calls_screen import ModelCallsScreen
from agent_tui.ui.train.review_playback import NoSoundDevice, RecordingAccess
from agent_tui.ui.train.review_screen import ReviewScreen
from agent_tui.ui.train.services import DeskTrainingServices
from tests.support.audio_checks import wav_bytes
from tests.training_e2e.doubles import FakeLauncher, FakeTrainingApi, shipped
from tests.training_e2e.pilot_helpers import review_first_attempt, wait_until
from tests.training_e2e.test_console import table_text
from tests.training_e2e.test_desk_training import command, quick, training_headers
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens

SCENARIO = "repair_wire_down_en"


def read(path: Path | str) -> bytes:
    return Path(path).read_bytes()


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def wavs_in(folder: Path) -> list[Path]:
    return list(folder.glob("*.wav"))


class FakeReview:
    """`ReviewBackend` in memory: recordings by call id, model calls, and what was asked."""

    def __init__(self) -> None:
        self.audio: dict[str, bytes] = {}
        self.model_calls: list[ModelCall] = []
        self.uploads: list[tuple[str, bytes, bool]] = []

    async def get_attempt(self, key: int) -> AttemptRecord:
        raise AssertionError("the history already holds whole attempts")

    async def download_recording(self, call_id: str, target: Path) -> Path:
        if call_id not in self.audio:
            problem = Problem(title="Not Found", status=404, detail=f"no recording {call_id}")
            raise BackendRejected(404, problem)
        write(target, self.audio[call_id])
        return target

    async def list_model_calls(self) -> list[ModelCall]:
        return list(self.model_calls)

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        raise AssertionError("not used here")

    async def unmark_model_call(self, call_id: str) -> None:
        raise AssertionError("not used here")

    async def upload_recording(self, call_id: str, path: Path, *, training: bool = True) -> None:
        self.uploads.append((call_id, read(path), training))


class FakePlayer:
    def __init__(self) -> None:
        self.played: list[Path] = []

    def play(self, path: Path) -> None:
        self.played.append(path)


class Headless:
    """A machine without a sound device."""

    def play(self, path: Path) -> None:
        raise NoSoundDevice("Error querying device -1")


def console(api: FakeTrainingApi, access: RecordingAccess, language: str = "en") -> TrainApp:
    services = ConsoleServices(auth=api, api=api, launcher=FakeLauncher(), recordings=access)
    return TrainApp(services, DeskOptions(username="trainer01", language=language), password=SecretStr("x"),
                    translator=Translator(language))


def card(total: int) -> ScoreCard:
    return ScoreCard(scenario_id=SCENARIO, total=total, passed=total >= 80, lines=[
        ScoreLine(key="step:readback",
                  text="Skipped the read-back: the details were not read back to the caller",
                  points=0, possible=20),
        ScoreLine(key="time", text="Handling time {time}, within the target of {target}",
                  params={"time": "1:00", "target": "4:00"}, points=total, possible=80)])


def static_text(app: TrainApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def stored_attempt(api: FakeTrainingApi, *, recording: str | None) -> None:
    await api.post_attempt(AttemptCreate(
        attempt_id="att-r1", scenario_id=SCENARIO, trainee="agent02", launched_by="trainer01", card=card(70),
        attempt=Attempt(scenario_id=SCENARIO, route=["fault", "emergency", "contact", "submitted"]),
        caller_lines=[TranscriptLine(at_s=2.4, text="A cable has come down outside!"),
                      TranscriptLine(at_s=71.0, text="It's 12 Elm Street, by the school.")],
        recording=recording))


async def open_review(app: TrainApp, pilot: object) -> ReviewScreen:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainee")
    await pilot.press("f8")
    return await review_first_attempt(app, pilot)


def trainees() -> list[Trainee]:
    return [Trainee(username="agent02", display_name="Agent02", state="not_ready", reason="training",
                    sip_uri="sip:agent02@127.0.0.1:5070")]


async def test_review_shows_card_steps_transcript_and_plays_the_recording(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    review, player = FakeReview(), FakePlayer()
    review.audio["c-77"] = wav_bytes(1.0)
    await stored_attempt(api, recording="c-77")
    app = console(api, RecordingAccess(review, player, export_dir=tmp_path / "exports"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        assert "Skipped the read-back" in static_text(app, "#review-card")
        assert "Total 70 of 100" in static_text(app, "#review-card")
        assert "fault → emergency → contact → submitted" in static_text(app, "#review-steps")
        transcript = static_text(app, "#review-transcript")
        assert "00:02  A cable has come down outside!" in transcript
        assert "01:11  It's 12 Elm Street, by the school." in transcript
        assert "c-77" in static_text(app, "#review-recording")
        await pilot.press("p")
        await wait_until(pilot, lambda: player.played, "the recording played")
        assert read(player.played[0]) == wav_bytes(1.0)
        assert "Playing c-77" in static_text(app, "#review-status")
        await pilot.press("e")
        await wait_until(pilot, lambda: len(screen.exported) == 2, "the export")
        exported = Path(screen.exported[-1])
        assert exported.parent == tmp_path / "exports"
        assert read(exported) == wav_bytes(1.0)
        assert str(exported) in static_text(app, "#review-status").replace("\n", "")


async def test_review_without_sound_exports_and_shows_the_path_in_chinese(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    review = FakeReview()
    review.audio["c-78"] = wav_bytes(0.5)
    await stored_attempt(api, recording="c-78")
    app = console(api, RecordingAccess(review, Headless(), export_dir=tmp_path), language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        shown = " ".join(str(widget.render()) for widget in app.screen.query(Static))
        assert "来电者说的话" in shown
        assert "回顾" in shown
        assert "00:02  A cable has come down outside!" in static_text(app, "#review-transcript")
        await pilot.press("p")
        await wait_until(pilot, lambda: screen.exported, "the export")
        status = static_text(app, "#review-status").replace("\n", "")
        assert screen.exported[0] in status
        assert "无音频设备" in status


async def test_review_of_an_attempt_whose_recording_is_missing(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    await stored_attempt(api, recording="c-gone")
    app = console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: "not on the server" in static_text(app, "#review-status"), "the miss")
        assert not wavs_in(tmp_path)


async def test_model_calls_screen_lists_and_exports(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    review = FakeReview()
    review.audio["good-1"] = wav_bytes(2.0)
    review.model_calls = [
        ModelCall(call_id="good-1", title="Calm read-back", note="Listen from 01:10: every detail read back.",
                  agent="agent07", duration_s=185, marked_by="sup01", marked_at=utc_now()),
        ModelCall(call_id="good-2", title="Angry caller calmed", agent="agent03", duration_s=60,
                  marked_by="trainer01", marked_at=utc_now()),
    ]
    app = console(api, RecordingAccess(review, Headless(), export_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainee")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelCallsScreen) and app.screen.calls,
                         "the model calls")
        screen = app.screen
        assert isinstance(screen, ModelCallsScreen)
        listing = screen.query_one("#model-calls", OptionList)
        labels = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert "Calm read-back" in labels[0]
        assert "3:05" in labels[0]
        assert "marked by sup01" in labels[0]
        assert "Angry caller calmed" in labels[1]
        await wait_until(pilot, lambda: "every detail read back" in static_text(app, "#model-note"),
                         "the note")
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.exported, "the export")
        assert read(screen.exported[0]) == wav_bytes(2.0)
        assert "Exported to" in static_text(app, "#model-status")
        await pilot.press("down", "p")
        await wait_until(pilot, lambda: "not on the server" in static_text(app, "#model-status"), "the miss")


async def test_desk_keeps_timed_caller_lines_and_uploads_the_training_recording(tmp_path: Path) -> None:
    scenarios = shipped()
    scenarios[SCENARIO] = quick(scenarios[SCENARIO])
    api, review = FakeTrainingApi(scenarios), FakeReview()
    phone = FakePhone()
    services = DeskServices(backend=FakeBackend(), writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                            drafts=DraftStore(state_dir() / "drafts"),
                            training=DeskTrainingServices(api=api, launcher=FakeLauncher(), uploader=review))
    recordings = tmp_path / "rec"
    recordings.mkdir()
    app = DeskApp(services, DeskOptions(username="agent1", recordings_dir=recordings),
                  password=SecretStr("secret"))
    async with app.run_test(size=(120, 40)) as pilot:
        desk = app.desk
        await wait_until(pilot, lambda: desk.logged_in, "login")
        app.post_message(command("training_launch", scenario=SCENARIO, attempt="att-9"))
        phone.ring("c9", number="13621987654", headers=training_headers("att-9"))
        app.post_message(command("training_caption", text="Before the answer.", attempt="att-9"))
        await wait_until(pilot, lambda: desk.training.current and desk.training.current.captions, "a caption")
        await play_call(pilot, api.scenarios[SCENARIO])
        app.post_message(command("training_caption", text="Thank you, goodbye.", attempt="att-9"))
        await wait_until(pilot, lambda: len(desk.training.current.caller_lines) == 2 if desk.training.current
                         else False, "the second line")
        phone.emit(CallEnded(call_id="c9", reason="Normal call clearing", code=200, duration_s=30))
        await wait_until(pilot, lambda: api.attempts, "the attempt stored")
        assert isinstance(app.screen, ScoreCardScreen)
        stored = api.attempts[0]
        assert [line.text for line in stored.caller_lines] == ["Before the answer.", "Thank you, goodbye."]
        first, last = stored.caller_lines
        assert first.at_s == 0.0  # said while ringing: counts from the answer
        assert last.at_s > 0.0
        assert stored.recording == "c9"
        # The phone closes the WAV after the call: the desk uploads it, marked training.
        wav = recordings / "c9.wav"
        wav.write_bytes(wav_bytes(1.5))
        phone.emit(RecordingReady(call_id="c9", path=str(wav)))
        # A real call's recording is not a training one: not uploaded by the training side.
        other = recordings / "c10.wav"
        other.write_bytes(wav_bytes(0.5))
        phone.emit(RecordingReady(call_id="c10", path=str(other)))
        await wait_until(pilot, lambda: review.uploads, "the upload")
        assert review.uploads == [("c9", wav_bytes(1.5), True)]
        assert desk.training.uploaded == ["c9"]
