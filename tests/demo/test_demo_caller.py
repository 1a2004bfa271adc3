"""The demo caller rings as a seeded customer and, once answered, says why it calls in a real voice."""

from __future__ import annotations

import queue
import random
import threading
from pathlib import Path

import pytest

from agent_tui.demo.caller import DemoCustomer, call_once, headers_for, opening_line, opening_wav
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.options import EngineOptions
from agent_tui.training.speech import SpeechCache, wav_seconds
from tests.support.audio_checks import active_seconds
from tests.support.peers import require_binary
from tests.support.sip_peers import BotFactory

ZHANG = DemoCustomer(7, "3301001234", "张伟", "13800000007")
SMITH = DemoCustomer(8, "3301005678", "Ann Smith", "13800000008")


def test_a_chinese_name_speaks_mandarin_and_names_its_account() -> None:
    language, text = opening_line(ZHANG, "power-repair")
    assert language == "zh"
    assert "张伟" in text
    assert "3301001234" in text


def test_a_latin_name_speaks_english_and_an_unknown_queue_gets_the_general_line() -> None:
    language, text = opening_line(SMITH, "no-such-queue")
    assert language == "en"
    assert text == opening_line(SMITH, "general")[1]
    assert "Ann Smith" in text


def test_without_espeak_there_are_no_words_and_no_error(tmp_path: Path) -> None:
    speech = SpeechCache(tmp_path, espeak=str(tmp_path / "no-espeak-here"))
    assert opening_wav(speech, SMITH, "billing") is None
    assert opening_wav(None, SMITH, "billing") is None


@pytest.mark.peers
def test_the_answering_desk_hears_the_opening_line(bot_factory: BotFactory, tmp_path: Path) -> None:
    espeak = require_binary("espeak-ng", "espeak-ng")
    words = opening_wav(SpeechCache(tmp_path / "speech", espeak=espeak), ZHANG, "power-repair")
    assert words is not None
    spoken_s = wav_seconds(words)
    desk = bot_factory("--answer-after", "0.2", "--hangup-after", f"{spoken_s + 1.5:.1f}",
                       "--record", str(tmp_path / "recordings"))
    events: queue.Queue[object] = queue.Queue()
    engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0)))
    engine.set_listener(events.put)
    engine.start()
    try:
        call_once(engine, events, desk.uri, headers_for(ZHANG, random.Random(1)), threading.Event(), words)
    finally:
        engine.stop()
    incoming = desk.next_event("incoming", 15)
    assert incoming["headers"]["X-Customer-Id"] == "7"
    assert incoming["headers"]["X-Account"] == "3301001234"
    recording = Path(desk.next_event("recording", 15)["path"])
    # The caller sends nothing but the words (no tone): most of their length must be heard.
    assert active_seconds(recording, threshold=0.02) > 0.5 * spoken_s
