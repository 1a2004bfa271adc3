"""espeak-ng makes caller lines with real speech energy, converted for pjsua2 and cached."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from agent_tui.domain.training import Mood
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.speech import (
    MOOD_PROSODY,
    SpeechCache,
    SpeechUnavailable,
    Voice,
    convert_wav,
    voice_for,
    wav_seconds,
)
from tests.support.audio_checks import active_seconds, dominant_frequency, read_pcm, rms_level, write_tone_wav
from tests.support.peers import require_binary

SILENCE_RMS = 0.001


@pytest.fixture
def espeak() -> str:
    return require_binary("espeak-ng", "espeak-ng")


def _format(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate()


@pytest.mark.parametrize(("language", "text"), [("zh", "喂！是95598吗？我家门口的电线断了，还在冒火花！"),
                                                ("en", "Hello? A cable has come down outside my building.")])
def test_lines_are_real_speech_in_the_format_pjsua2_plays(espeak: str, tmp_path: Path, language: str,
                                                          text: str) -> None:
    cache = SpeechCache(tmp_path, espeak=espeak)
    path = cache.line_wav(text, language, Mood.PANICKED)
    assert path.is_relative_to(tmp_path)
    assert _format(path) == (1, 2, 16_000)
    assert 1.0 < wav_seconds(path) < 15.0
    level = rms_level(path)
    assert level > 50 * SILENCE_RMS, f"RMS {level:.4f}: no speech energy"
    assert active_seconds(path, threshold=0.02) > 0.8
    assert max(abs(s) for s in read_pcm(path).samples) > 0.5 * 32767  # brought up to a clear level


def test_the_cache_is_reused_without_running_espeak(espeak: str, tmp_path: Path) -> None:
    first = SpeechCache(tmp_path, espeak=espeak)
    path = first.line_wav("您好，我想咨询一下电费。", "zh", Mood.CALM)
    assert (first.made, first.reused) == (1, 0)
    stamp = path.stat().st_mtime_ns
    # A cache whose espeak-ng does not exist can only answer from the files already made.
    second = SpeechCache(tmp_path, espeak=str(tmp_path / "no-such-espeak"))
    assert second.line_wav("您好，我想咨询一下电费。", "zh", Mood.CALM) == path
    assert (second.made, second.reused) == (0, 1)
    assert path.stat().st_mtime_ns == stamp
    with pytest.raises(SpeechUnavailable, match="espeak-ng"):
        second.line_wav("A line never made before.", "en", Mood.CALM)


def test_voice_text_and_speed_each_change_the_key(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    base = cache.path_for("hello", Voice("en", 160, 50))
    assert cache.path_for("hello", Voice("en", 160, 50)) == base
    others = [cache.path_for("hello!", Voice("en", 160, 50)), cache.path_for("hello", Voice("cmn", 160, 50)),
              cache.path_for("hello", Voice("en", 180, 50)), cache.path_for("hello", Voice("en", 160, 60))]
    assert len({base, *others}) == 5


def test_moods_change_speed_and_pitch() -> None:
    assert voice_for("zh", Mood.CALM).name == "cmn"
    assert voice_for("en", Mood.CALM).name == "en"
    assert voice_for("zh", Mood.ANGRY).speed > voice_for("zh", Mood.CALM).speed
    assert voice_for("zh", Mood.PANICKED).pitch > voice_for("zh", Mood.CALM).pitch
    assert voice_for("zh", Mood.CONFUSED).speed < voice_for("zh", Mood.CALM).speed
    assert set(MOOD_PROSODY) == set(Mood)


def test_an_angry_line_is_shorter_than_a_confused_one(espeak: str, tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, espeak=espeak)
    text = "I waited four hours for the repair crew and nobody told me anything."
    angry = wav_seconds(cache.line_wav(text, "en", Mood.ANGRY))
    assert angry < wav_seconds(cache.line_wav(text, "en", Mood.CONFUSED))


def test_a_line_starting_with_a_dash_is_spoken_not_parsed(espeak: str, tmp_path: Path) -> None:
    path = SpeechCache(tmp_path, espeak=espeak).line_wav("-h --version is not an option", "en", Mood.CALM)
    assert rms_level(path) > 50 * SILENCE_RMS


def test_conversion_keeps_the_tone(tmp_path: Path) -> None:
    source = write_tone_wav(tmp_path / "tone.wav", 440.0, 1.0, rate=22_050, amplitude=0.2, channels=2)
    target = tmp_path / "out.wav"
    convert_wav(source, target, 16_000)
    assert _format(target) == (1, 2, 16_000)
    pcm = read_pcm(target)
    assert abs(pcm.seconds - 1.0) < 0.01
    assert 420 < dominant_frequency(pcm) < 460
    assert 0.45 < rms_level(pcm) < 0.55  # peak raised to 0.7: RMS of a sine = 0.7 / sqrt(2)


def test_every_shipped_line_is_made_once_per_scenario(espeak: str, tmp_path: Path) -> None:
    scenario = load_scenarios(bundled_scenarios_dir()).by_id()["status_query_overdue_zh"]
    cache = SpeechCache(tmp_path, espeak=espeak)
    made = cache.prepare(scenario)
    assert set(made) == {line.id for line in scenario.lines}
    assert cache.made == len(scenario.lines)
    again = cache.prepare(scenario)
    assert again == made
    assert cache.reused == len(scenario.lines)
    assert cache.prune(made.values()) == 0
    assert cache.prune([]) == len(scenario.lines)
