"""The monitor's recordings screen marks a recording as a model call (f6: title and note), and the
`SupervisorClient` sends that mark to the real backend, where it is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from textual.widgets import Input, Static

from agent_tui.domain.base import utc_now
from agent_tui.domain.recordings import Recording
from agent_tui.domain.training import ModelCall
from agent_tui.sync.client import BackendClient
from agent_tui.sync.supervision import SupervisorClient
from agent_tui.ui.monitor.model_call import ModelCallScreen
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.recordings import RecordingsScreen
from tests.monitor.doubles import FakeApi, make_monitor, snapshot
from tests.server.conftest import login, make_client
from tests.support.audio_checks import wav_bytes
from tests.training.test_review_server import post_call
from tests.ui.helpers import wait_until


class MarkingApi(FakeApi):
    """The monitor's API double, able to mark model calls."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, str, str]] = []
        self.refuse_marks = False

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        if self.refuse_marks:
            raise RuntimeError("403 Forbidden: only supervisors and trainers mark model calls")
        self.marked.append((call_id, title, note))
        return ModelCall(call_id=call_id, title=title, note=note, marked_by="sup01", marked_at=utc_now())


def recording(call_id: str) -> Recording:
    now = utc_now()
    return Recording(call_id=call_id, agent="agent0001", queue="repair", number="138", started_at=now,
                     duration_s=65.0, size=4, sha256="x", uploaded_at=now, uploaded_by="agent0001")


async def open_recordings(app: Any, pilot: Any, feeds: list[Any]) -> RecordingsScreen:
    await wait_until(pilot, lambda: feeds, what="the feed")
    feeds[0].sink.snapshot(snapshot(agents=3))
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen), what="recordings")
    screen = app.screen
    assert isinstance(screen, RecordingsScreen)
    await wait_until(pilot, lambda: "c-1" in screen.found, what="results")
    return screen


async def test_f6_marks_the_selected_recording_as_a_model_call(tmp_path: Path) -> None:
    api = MarkingApi()
    api.items = [recording("c-1")]
    app, _api, _phone, feeds = make_monitor(api=api, options=MonitorOptions(export_dir=tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_recordings(app, pilot, feeds)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelCallScreen), what="the mark form")
        form = app.screen
        await pilot.press("enter", "enter")  # no title yet: refused on the spot
        await wait_until(pilot, lambda: "Title is required" in str(form.query_one("#model-error", Static)
                                                                    .render()), what="the refusal")
        assert api.marked == []
        form.query_one("#model-title", Input).value = "Calm read-back"
        form.query_one("#model-note", Input).value = "Listen from 01:10"
        form.query_one("#model-note", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen, what="back on the recordings")
        assert api.marked == [("c-1", "Calm read-back", "Listen from 01:10")]
        status = str(screen.query_one("#rec-status", Static).render())
        assert "Marked c-1 as a model call." in status


async def test_a_refused_mark_stays_on_the_form_and_says_why(tmp_path: Path) -> None:
    api = MarkingApi()
    api.refuse_marks = True
    api.items = [recording("c-1")]
    app, _api, _phone, feeds = make_monitor(api=api, options=MonitorOptions(export_dir=tmp_path),
                                            language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_recordings(app, pilot, feeds)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelCallScreen), what="the mark form")
        form = app.screen
        assert "标为示范录音" in str(form.query(Static).first().render())
        form.query_one("#model-title", Input).value = "x"
        form.query_one("#model-note", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "403" in str(form.query_one("#model-error", Static).render()),
                         what="the refusal")
        assert app.screen is form


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", recordings_dir=tmp_path / "rec",
                     timezone="UTC") as client:
        yield client


async def test_supervisor_client_marks_on_the_real_backend(backend: TestClient) -> None:
    agent, sup = login(backend, "agent01"), login(backend, "sup01")
    post_call(backend, agent, "good-7", "agent01")
    assert backend.put("/v1/recordings/good-7", content=wav_bytes(1), headers=agent).status_code == 201
    client = BackendClient("http://backend", transport=httpx.ASGITransport(app=backend.app))
    try:
        await client.login("sup01", SecretStr("demo"))
        marked = await SupervisorClient(client).mark_model_call("good-7", "Model opening", "Warm greeting")
        assert (marked.call_id, marked.title, marked.marked_by, marked.agent) == (
            "good-7", "Model opening", "sup01", "agent01")
        await SupervisorClient(client).unmark_model_call("good-7")
    finally:
        await client.aclose()
    actions = [e["action"] for e in backend.get("/v1/audit", headers=sup).json()["items"]]
    assert actions.count("mark_model_call") == 1
    assert actions.count("unmark_model_call") == 1
