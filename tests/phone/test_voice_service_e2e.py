"""The voice service end to end with the real parts: the backend process, Kamailio, `agent-tui survey`
registered there, and `agent-tui bot` as the caller.

- Survey: the caller talks to an agent (the engine in this process); the agent gets the call's survey
  token from the backend and blind-transfers the caller to `sip:survey@kamailio` with the desk's
  transfer headers (X-Call-Id = the agent's call, X-Survey-Token); the caller's phone follows the
  REFER, presses 4 (RFC 2833) and the call's satisfaction is 4 in /v1/reports. Then a caller dials the
  survey straight, naming another agent's call with that (real, but other call's) token and presses 1:
  the backend refuses the score (403) and that call stays unscored.
- Voicemail: a caller reaches `sip:voicemail@kamailio`, hears the prompt and the beep, and its 440 Hz
  tone is recorded until the longest message; the backend's callback names the voicemail and its
  audio is fetchable: a WAV of that tone, without the prompt.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.desk.survey import survey_transfer
from agent_tui.domain.base import utc_now
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, IncomingCall, Transferred
from agent_tui.sync.client import BackendClient
from agent_tui.sync.survey_tokens import BackendSurveyTokens
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.server.process import ServerProcess
from tests.support.audio_checks import dominant_frequency, read_pcm
from tests.support.sip_peers import Kamailio, password_of
from tests.support.waiting import JsonLineReader, JsonObject

pytestmark = pytest.mark.peers


class VoicePeer:
    """One `agent-tui survey` process registered at Kamailio; stopped by its pid."""

    def __init__(self, mode: str, user: str, kamailio: Kamailio, backend: str, workdir: Path) -> None:
        env = {**os.environ, "AGENT_TUI_PASSWORD": "demo", "AGENT_TUI_SIP_PASSWORD": password_of(user)}
        self.err = workdir / f"{mode}.err"
        argv = [sys.executable, "-m", "agent_tui.cli", "survey", "--mode", mode, "--language", "en",
                "--account", f"{user}@{kamailio.host}", "--registrar", kamailio.uri(), "--backend", backend,
                "--folder", str(workdir / mode), "--max-message", "2"]
        with self.err.open("wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                         text=True, env=env)
        self.reader = JsonLineReader.of(self.proc, f"survey {mode}")
        self.until("registration", 30, state="registered")

    def until(self, event: str, timeout: float, **fields: Any) -> JsonObject:
        def match(obj: JsonObject) -> bool:
            return obj.get("event") == event and all(obj.get(k) == v for k, v in fields.items())

        for seen in self.reader.seen:
            if match(seen):
                return seen
        return self.reader.until(match, timeout)[-1]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(15)
        self.reader.join(5)
        return code


async def desk_survey_token(base: str, call_id: str) -> str:
    """The token agent01's desk gets for its call, through the desk's own client (`sync.survey_tokens`)."""
    client = BackendClient(base)
    try:
        await client.login("agent01", SecretStr("demo"))
        granted = await BackendSurveyTokens(client).survey_token(call_id)
    finally:
        await client.aclose()
    assert granted.call_id == call_id
    return granted.token


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("voice-backend")
    backend = ServerProcess(f"sqlite:///{folder / 'server.db'}", folder,
                            settings={"recordings_dir": str(folder / "recordings")})
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


def test_a_caller_sent_to_the_survey_presses_4_and_the_call_scores_4_in_reports(
    server: ServerProcess, kamailio: Kamailio, engine: PhoneEngine, events: EventLog, bots: Bots,
    tmp_path: Path,
) -> None:
    survey = VoicePeer("survey", "survey", kamailio, server.base, tmp_path)
    try:
        caller = bots.start("--dial", f"sip:agent@{engine.info.address}", "--dtmf", "4", "--calls", "1")
        ring = events.wait(IncomingCall, timeout=15)
        engine.answer(ring.call_id)
        events.wait(CallState, call_id=ring.call_id, state="confirmed")
        # The desk's record of the call (agent01's), as it posts it after wrap-up.
        now = utc_now()
        record = {"call_id": ring.call_id, "agent": "agent01", "number": "13800138000",
                  "queue": "95598-repair", "offered_at": (now - timedelta(seconds=5)).isoformat(),
                  "answered_at": (now - timedelta(seconds=4)).isoformat(), "ended_at": now.isoformat(),
                  "talk_s": 4}
        posted = httpx.post(f"{server.base}/v1/calls", json=record, headers=server.login("agent01"))
        assert posted.status_code < 300, posted.text
        other = {**record, "call_id": "other-agents-call", "agent": "agent02"}
        assert httpx.post(f"{server.base}/v1/calls", json=other, headers=server.login("agent02")).is_success
        token = asyncio.run(desk_survey_token(server.base, ring.call_id))
        target, headers = survey_transfer(kamailio.uri("survey"), ring.call_id, token)
        engine.blind_transfer(ring.call_id, target, headers)
        done = events.wait(Transferred, call_id=ring.call_id, timeout=15)
        assert done.ok, done
        events.wait(CallEnded, call_id=ring.call_id)
        incoming = survey.until("incoming", 15)
        assert incoming["record_id"] == ring.call_id
        scored = survey.until("score", 15)
        assert (scored["score"], scored["method"]) == (4, "rfc2833")
        stored = survey.until("stored", 15, job="score")
        assert (stored["record_id"], stored["score"], stored["status"]) == (ring.call_id, 4, 201)
        caller.until("ended", 15, reason="remote hangup")  # the survey thanked and hung up
        assert caller.wait_exit(15) == 0
        # Anyone can call the survey and name any call: without that call's own token nothing is stored.
        forger = bots.start("--dial", kamailio.uri("survey"), "--dtmf", "1", "--calls", "1",
                            "--header", "X-Call-Id=other-agents-call", "--header", f"X-Survey-Token={token}")
        forged = survey.until("score", 30, record_id="other-agents-call")
        assert forged["score"] == 1
        refused = survey.until("upload_refused", 15, job="score")
        assert (refused["record_id"], refused["status"]) == ("other-agents-call", 403)
        assert token not in str(survey.reader.seen)  # the token is passed on, never printed
        assert forger.wait_exit(30) == 0
    finally:
        assert survey.stop() == 0, survey.err.read_text()[-2000:]
    today = utc_now().date().isoformat()
    report = httpx.get(f"{server.base}/v1/reports", params={"from": today, "to": today, "by": "agent"},
                       headers=server.login("sup01"))
    rows = {r["key"]: r for r in report.json()["rows"]}
    assert (rows["agent01"]["satisfaction_avg"], rows["agent01"]["satisfaction_count"]) == (4.0, 1)
    assert rows["agent02"]["satisfaction_count"] == 0
    audit = httpx.get(f"{server.base}/v1/audit", params={"action": "survey_score_refused"},
                      headers=server.login("sup01"))
    assert "other-agents-call" in audit.text


def test_a_caller_leaves_a_voicemail_and_its_audio_is_fetchable(
    server: ServerProcess, kamailio: Kamailio, bots: Bots, tmp_path: Path
) -> None:
    voicemail = VoicePeer("voicemail", "voicemail", kamailio, server.base, tmp_path)
    try:
        caller = bots.start("--dial", kamailio.uri("voicemail"), "--tone", "440", "--calls", "1",
                            "--header", "X-Call-Id=pbx-vm-1", "--header", "X-Queue=95598-billing")
        left = voicemail.until("voicemail", 60)
        assert left["voicemail_id"] == "pbx-vm-1"
        assert 1.5 <= left["seconds"] <= 2.6  # --max-message 2: the service ends the message
        stored = voicemail.until("stored", 15, job="voicemail")
        assert stored["status"] == 201
        assert not Path(left["path"]).exists()  # the backend has it: no copy stays on the service's host
        assert caller.wait_exit(15) == 0
    finally:
        assert voicemail.stop() == 0, voicemail.err.read_text()[-2000:]
    agent = server.login("agent01")
    callbacks = httpx.get(f"{server.base}/v1/callbacks", headers=agent).json()["items"]
    callback = next(c for c in callbacks if c["voicemail"] == "pbx-vm-1")
    assert (callback["reason"], callback["queue"]) == ("voicemail", "95598-billing")
    audio = httpx.get(f"{server.base}/v1/voicemails/pbx-vm-1/audio", headers=agent)
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    path = tmp_path / "fetched.wav"
    path.write_bytes(audio.content)
    pcm = read_pcm(path)
    assert 1.5 <= len(pcm.samples) / pcm.rate <= 2.6
    # The caller's tone, not the prompt's speech nor the beep (1 kHz) before it.
    assert 400 <= dominant_frequency(path, 0.3, None) <= 480
