"""The demo has recorded calls from the start (issue 15: "the demo has no recordings, so playback, QA
scoring and model calls cannot be tried"): espeak-ng dialogues stored through the real backend's API,
found by the monitor's search, downloadable as speech, scorable, and one listed as a model call."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from agent_tui.demo.recordings import DIALOGUES, MODEL_CALL, seed
from agent_tui.domain.recordings import QA_ITEMS
from agent_tui.training.speech import SpeechCache
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.e2e.conftest import backend
from tests.support.audio_checks import active_seconds, read_pcm
from tests.support.peers import require_binary

__all__ = ["backend"]

pytestmark = pytest.mark.peers


def _as(http: httpx.Client, username: str) -> dict[str, str]:
    login = {"username": username, "password": DEMO_PASSWORD}
    token = http.post("/v1/sessions", json=login).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_demo_recordings_play_score_and_teach(backend: RealBackend, tmp_path: Path) -> None:
    require_binary("espeak-ng", "espeak-ng")
    cache = tmp_path / "speech"
    assert seed(backend.url, SpeechCache(cache)) == [d.call_id for d in DIALOGUES]
    # Seeding again (a demo started on the same database) changes nothing and fails nothing.
    assert seed(backend.url, SpeechCache(cache)) == [d.call_id for d in DIALOGUES]
    with httpx.Client(base_url=backend.url, timeout=10) as http:
        sup = _as(http, "sup01")
        found = http.get("/v1/recordings", headers=sup).json()["items"]
        by_id = {item["call_id"]: item for item in found}
        assert set(by_id) >= {d.call_id for d in DIALOGUES}
        for dialogue in DIALOGUES:
            assert by_id[dialogue.call_id]["agent"] == dialogue.agent
            assert by_id[dialogue.call_id]["duration_s"] > 3
        audio = http.get(f"/v1/recordings/{DIALOGUES[1].call_id}/audio", headers=sup)
        audio.raise_for_status()
        wav = tmp_path / "call.wav"
        wav.write_bytes(audio.content)
        pcm = read_pcm(wav)
        assert active_seconds(pcm) > 2, "the recording is speech, not silence"
        scored = http.put(f"/v1/qa/{DIALOGUES[0].call_id}", headers=sup,
                          json={**QA_ITEMS, "comment": "clear"})
        assert scored.status_code == 200, scored.text
        assert scored.json()["agent"] == DIALOGUES[0].agent
        models = http.get("/v1/model-calls", headers=_as(http, "trainer01")).json()["items"]
        assert [m["call_id"] for m in models] == [MODEL_CALL[0]]
