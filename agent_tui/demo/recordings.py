"""Recorded demo calls: a few short agent–customer dialogues spoken by espeak-ng, stored through the API.

Every demo's backend starts with calls but no audio, so the monitor's recordings, QA scoring and the
trainer's model calls had nothing to play. Once the backend answers, the demo runs this in the
background (`python -m agent_tui.demo.recordings --backend URL`): each dialogue is one call of a demo
agent (`POST /v1/calls` as that agent, then `PUT /v1/recordings/{call_id}` with the WAV), and the first
is marked a model call by `trainer01`. The agent and the customer speak in two espeak-ng voices, 16 kHz
mono 16-bit, with a short pause between turns; lines are cached like the training caller's
(`agent_tui.training.speech`), so later demos start at once. Posting again is harmless: the same call
record and the same recording content are accepted as they are. Without espeak-ng nothing is seeded
(the log says why).
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import wave
from array import array
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord
from agent_tui.domain.training import Mood
from agent_tui.training.speech import TARGET_RATE, SpeechCache, SpeechError, SpeechUnavailable, voice_for

DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
TRAINER = "trainer01"
PAUSE_S = 0.4
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dialogue:
    """One recorded demo call: who took it, from which number and queue, and the turns spoken."""

    call_id: str
    agent: str
    number: str
    queue: str
    language: str
    lines: tuple[tuple[str, str], ...]
    """(speaker, text): speaker `agent` or `customer`."""
    hours_ago: float


DIALOGUES = (
    Dialogue("demo-rec-01", "agent01", "13621987654", "95598-repair", "en", (
        ("agent", "Good morning, power service hotline, this is Wang. How can I help?"),
        ("customer", "The power is out in my whole building since eight o'clock."),
        ("agent", "I am sorry to hear that. May I have your account number?"),
        ("customer", "It is three one zero one, one five zero, zero seven seven."),
        ("agent", "Thank you. I have filed a repair order; the team will be there within 45 minutes."),
    ), 2.5),
    Dialogue("demo-rec-02", "agent02", "13900000002", "95598-billing", "zh", (
        ("agent", "您好，供电服务热线，工号一零零二，请问有什么可以帮您？"),
        ("customer", "我这个月的电费比上个月高了很多，想问一下原因。"),
        ("agent", "好的，我帮您查询一下。您这个月用电量增加了，主要是空调用电。"),
        ("customer", "明白了，谢谢你。"),
    ), 1.5),
    Dialogue("demo-rec-03", "agent03", "13700000003", "95598-service", "en", (
        ("agent", "Power service hotline, good afternoon."),
        ("customer", "I would like to install a charger for my electric car."),
        ("agent", "Certainly. I will take your details and a field engineer will call you within two days."),
    ), 0.7),
)
MODEL_CALL = ("demo-rec-01", "Outage call handled well", "Greeting, account check, a clear promise of time.")
"""(call id, title, note) of the dialogue the trainer marks as a model call."""


def dialogue_wav(dialogue: Dialogue, speech: SpeechCache) -> bytes:
    """The whole call as one WAV: each turn in its speaker's voice, a short pause between turns."""
    samples = array("h")
    pause = array("h", bytes(2 * int(TARGET_RATE * PAUSE_S)))
    for speaker, text in dialogue.lines:
        voice = voice_for(dialogue.language, Mood.CALM if speaker == "agent" else Mood.WORRIED)
        with wave.open(str(speech.wav(text, voice)), "rb") as part:
            samples.frombytes(part.readframes(part.getnframes()))
        samples.extend(pause)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(TARGET_RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    answer = http.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def seed(backend: str, speech: SpeechCache | None = None) -> list[str]:
    """Store the demo dialogues as recorded calls; the call ids stored (empty without espeak-ng)."""
    speech = speech or SpeechCache()
    stored: list[str] = []
    with httpx.Client(base_url=backend, timeout=30) as http:
        for dialogue in DIALOGUES:
            try:
                audio = dialogue_wav(dialogue, speech)
            except (SpeechUnavailable, SpeechError) as error:
                log.warning("demo recordings not made: %s", error)
                return stored
            with wave.open(io.BytesIO(audio), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
            answered = utc_now() - timedelta(hours=dialogue.hours_ago)
            record = CallRecord(call_id=dialogue.call_id, number=dialogue.number, agent=dialogue.agent,
                                queue=dialogue.queue, offered_at=answered - timedelta(seconds=6),
                                answered_at=answered, ended_at=answered + timedelta(seconds=seconds),
                                talk_s=round(seconds, 1), acw_s=30, end_reason="remote hangup",
                                disposition="resolved", first_call_resolved=True)
            auth = _login(http, dialogue.agent)
            http.post("/v1/calls", json=record.model_dump(mode="json"), headers=auth).raise_for_status()
            http.put(f"/v1/recordings/{dialogue.call_id}", content=audio,
                     headers={**auth, "Content-Type": "audio/wav"}).raise_for_status()
            stored.append(dialogue.call_id)
        call_id, title, note = MODEL_CALL
        http.put(f"/v1/recordings/{call_id}/model", json={"title": title, "note": note},
                 headers=_login(http, TRAINER)).raise_for_status()
    return stored


def main(argv: list[str] | None = None) -> int:
    """`python -m agent_tui.demo.recordings --backend URL`."""
    parser = argparse.ArgumentParser(prog="agent_tui.demo.recordings", description=__doc__)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--cache", type=Path, default=None, help="where spoken lines are cached")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stored = seed(args.backend, SpeechCache(args.cache) if args.cache else None)
    log.info("demo recordings stored: %s", ", ".join(stored) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
