"""`agent-tui demo`: a few spoken voicemails left at start, uploaded as the voice service uploads them
(`PUT /v1/voicemails/{id}` as voice01), so the callbacks list has messages with words to play.

The words are espeak-ng WAVs (the training caller's speech cache); without espeak-ng none are added
(the seeded voicemail's tone still plays).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from agent_tui.training.speech import ESPEAK_VOICES, SpeechCache, SpeechError, SpeechUnavailable, Voice

DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
MESSAGES: tuple[tuple[str, str, str, str, str], ...] = (
    ("demo-vm-01", "zh", "13700001111", "95598-repair",
     "你好，我是幸福小区三号楼的住户，我们楼从早上开始就停电了，麻烦尽快回电，谢谢。"),
    ("demo-vm-02", "zh", "13700002222", "95598-billing",
     "您好，我的电费账单金额好像不对，比上个月多了很多，请给我回个电话。"),
    ("demo-vm-03", "en", "13700003333", "95598-service",
     "Hello, this is about the planned outage notice I received. Please call me back. Thank you."),
)
"""(id, language, number, queue, words) of the demo's spoken voicemails."""


def leave_voicemails(backend: str, progress: Callable[[str], None]) -> int:
    """Upload the demo voicemails (each once: a second run is answered 200); how many were stored."""
    speech = SpeechCache()
    stored = 0
    with httpx.Client(base_url=backend, timeout=10) as client:
        login = client.post("/v1/sessions", json={"username": "voice01", "password": DEMO_PASSWORD})
        if login.status_code != 201:
            progress(f"demo voicemails not left: login as voice01 answered {login.status_code}")
            return 0
        headers = {"Authorization": f"Bearer {login.json()['token']}", "Content-Type": "audio/wav"}
        for ident, language, number, queue, words in MESSAGES:
            try:
                path = speech.wav(words, Voice(ESPEAK_VOICES.get(language, "en"), speed=150))
            except (SpeechUnavailable, SpeechError) as error:
                progress(f"demo voicemails without words: {error}")
                return stored
            answer = client.put(f"/v1/voicemails/{ident}", params={"number": number, "queue": queue},
                                content=path.read_bytes(), headers=headers)
            stored += answer.status_code == 201
    return stored
