"""The tone helpers on generated tones: they must recover the frequency they are given."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from tests.support.audio_checks import (
    Pcm,
    active_seconds,
    dominant_frequency,
    read_pcm,
    rms_level,
    tone_power,
    write_tone_wav,
)


@pytest.mark.parametrize(
    ("hz", "rate"), [(440, 8000), (1000, 8000), (440, 16000), (1000, 48000), (300, 22050)]
)
def test_dominant_frequency_recovers_a_written_tone(tmp_path: Path, hz: int, rate: int) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", hz, 1.0, rate=rate)
    assert dominant_frequency(path) == pytest.approx(hz, rel=0.03)


def test_stereo_tone_reads_the_first_channel(tmp_path: Path) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", 1000, 0.5, rate=48000, channels=2)
    pcm = read_pcm(path)
    assert pcm.rate == 48000
    assert pcm.seconds == pytest.approx(0.5)
    assert dominant_frequency(pcm) == pytest.approx(1000, rel=0.03)


def test_silence_before_the_tone_does_not_lower_the_estimate(tmp_path: Path) -> None:
    tone = read_pcm(write_tone_wav(tmp_path / "tone.wav", 440, 1.0))
    padded = Pcm([0] * 8000 + tone.samples, 8000)
    assert dominant_frequency(padded) == pytest.approx(440, rel=0.03)
    assert active_seconds(padded) == pytest.approx(1.0, abs=0.05)
    assert dominant_frequency(padded, end_s=0.9) == 0.0  # the window holds only silence


def test_window_selects_the_second_tone(tmp_path: Path) -> None:
    low = read_pcm(write_tone_wav(tmp_path / "a.wav", 440, 1.0))
    high = read_pcm(write_tone_wav(tmp_path / "b.wav", 1000, 1.0))
    both = Pcm(low.samples + high.samples, 8000)
    assert dominant_frequency(both, end_s=1.0) == pytest.approx(440, rel=0.03)
    assert dominant_frequency(both, start_s=1.0) == pytest.approx(1000, rel=0.03)


def test_noise_does_not_add_crossings(tmp_path: Path) -> None:
    tone = read_pcm(write_tone_wav(tmp_path / "tone.wav", 440, 1.0))
    # Deterministic small "noise": a 3.7 kHz ripple at 2 % of the tone's amplitude.
    noisy = [s + int(300 * math.sin(2 * math.pi * 3700 * n / 8000)) for n, s in enumerate(tone.samples)]
    assert dominant_frequency(Pcm(noisy, 8000)) == pytest.approx(440, rel=0.03)


def test_rms_level_of_sine_and_silence(tmp_path: Path) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", 1000, 0.5, amplitude=0.5)
    assert rms_level(path) == pytest.approx(0.5 / math.sqrt(2), rel=0.02)
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack("<h", 0) * 4000)
    assert rms_level(silent) == 0.0
    assert dominant_frequency(silent) == 0.0


def test_tone_power_tells_the_right_tone_from_the_wrong_one(tmp_path: Path) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", 440, 1.0)
    assert tone_power(path, 440) > 0.9
    assert tone_power(path, 1000) < 0.01
