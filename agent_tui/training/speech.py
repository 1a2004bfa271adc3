"""The simulated caller's voice: caller lines as WAV files made with espeak-ng, cached on disk.

espeak-ng (`-v cmn` Mandarin, `-v en` English) writes 22.05 kHz mono 16-bit WAV. pjsua2's
`AudioMediaPlayer` plays 16-bit PCM WAV and the conference bridge runs at 16 kHz, so each file is
resampled here to 16 kHz mono 16-bit and its peak set to a comfortable level. Files are cached under
`cache_dir()/speech`, named by a hash of everything that shapes the sound (voice, speed, pitch,
amplitude, rate, text): the same line is made once, whoever asks. The mood sets speed and pitch: an
angry caller speaks fast and low, a panicked one fast and high, a confused one slowly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent_tui.domain.training import Mood, Scenario
from agent_tui.paths import cache_dir

SPEECH_FORMAT = 1
"""Bump when the conversion changes, so old cached files are not reused."""
TARGET_RATE = 16_000
PEAK = 0.7
"""Peak level of the finished file, as a fraction of full scale."""
MAX_GAIN = 4.0
ESPEAK_TIMEOUT_S = 30.0
ESPEAK_VOICES = {"zh": "cmn", "en": "en"}
"""espeak-ng voice per scenario language."""

MOOD_PROSODY: dict[Mood, tuple[int, int, int]] = {
    Mood.CALM: (160, 50, 100),
    Mood.WORRIED: (170, 58, 100),
    Mood.CONFUSED: (135, 52, 95),
    Mood.IMPATIENT: (190, 46, 115),
    Mood.ANGRY: (185, 38, 130),
    Mood.PANICKED: (210, 70, 120),
}
"""Mood → (speed in words per minute, pitch 0-99, amplitude 0-200) for espeak-ng."""


class SpeechUnavailable(RuntimeError):
    """espeak-ng cannot be found: the caller's lines can only be shown as captions."""


class SpeechError(RuntimeError):
    """espeak-ng ran but did not produce a usable WAV."""


@dataclass(frozen=True)
class Voice:
    """How espeak-ng speaks a line."""

    name: str
    """espeak-ng voice (`cmn`, `en`)."""
    speed: int = 160
    """Words per minute."""
    pitch: int = 50
    """0-99."""
    amplitude: int = 100
    """0-200."""


def voice_for(language: str, mood: Mood) -> Voice:
    """The voice for a scenario language (`zh`, `en`) and a mood."""
    speed, pitch, amplitude = MOOD_PROSODY[mood]
    return Voice(ESPEAK_VOICES.get(language, "en"), speed, pitch, amplitude)


def wav_seconds(path: Path) -> float:
    """The duration of a WAV file in seconds."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


class SpeechCache:
    """Makes and keeps caller lines as 16 kHz mono 16-bit WAV files.

    `espeak` names the binary (default: `espeak-ng` on PATH). `made` and `reused` count the files made
    and the requests answered from the cache, for tests and logs.
    """

    def __init__(self, folder: Path | None = None, *, espeak: str | None = None,
                 rate: int = TARGET_RATE) -> None:
        self.folder = folder if folder is not None else cache_dir() / "speech"
        self.espeak = espeak or "espeak-ng"
        self.rate = rate
        self.made = 0
        self.reused = 0

    def path_for(self, text: str, voice: Voice) -> Path:
        """Where the WAV of `text` spoken by `voice` is (or will be) cached."""
        key = json.dumps({"format": SPEECH_FORMAT, "voice": voice.name, "speed": voice.speed,
                          "pitch": voice.pitch, "amplitude": voice.amplitude, "rate": self.rate,
                          "text": text}, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.wav"

    def wav(self, text: str, voice: Voice) -> Path:
        """The WAV of `text` spoken by `voice`: from the cache, else made now with espeak-ng."""
        path = self.path_for(text, voice)
        if path.is_file():
            self.reused += 1
            return path
        binary = shutil.which(self.espeak)
        if binary is None:
            raise SpeechUnavailable(
                f"{self.espeak} is not installed (Debian package espeak-ng); "
                "the caller's lines can only be shown as captions")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".speech-") as work:
            raw = Path(work) / "espeak.wav"
            command = [binary, "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch),
                       "-a", str(voice.amplitude), "-b", "1", "--stdin", "-w", str(raw)]
            try:
                # Text goes through stdin, so a line starting with "-" is never read as an option.
                done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,  # noqa: S603
                                      timeout=ESPEAK_TIMEOUT_S, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SpeechError(f"{self.espeak} failed: {exc}") from exc
            if done.returncode != 0 or not raw.is_file():
                detail = done.stderr.decode("utf-8", "replace").strip()[:300]
                raise SpeechError(f"{self.espeak} exited with {done.returncode}: {detail}")
            finished = Path(work) / "line.wav"
            convert_wav(raw, finished, self.rate)
            os.replace(finished, path)
        self.made += 1
        return path

    def line_wav(self, text: str, language: str, mood: Mood) -> Path:
        """The WAV of a caller line in a scenario's language and a mood."""
        return self.wav(text, voice_for(language, mood))

    def prepare(self, scenario: Scenario) -> dict[str, Path]:
        """Make (or find) every line of a scenario ahead of the call: line id → WAV."""
        return {line.id: self.line_wav(line.text, scenario.language, line.mood or scenario.mood)
                for line in scenario.lines}

    def prune(self, keep: Iterable[Path]) -> int:
        """Delete cached WAVs not in `keep`; returns how many were deleted."""
        kept = {path.resolve() for path in keep}
        removed = 0
        for path in self.folder.glob("*/*.wav"):
            if path.resolve() not in kept:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed


def convert_wav(source: Path, target: Path, rate: int = TARGET_RATE) -> None:
    """Write `source` (16-bit PCM, any rate, mono or more) as mono 16-bit PCM at `rate`, peak at PEAK."""
    with wave.open(str(source), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise SpeechError(f"{source}: expected 16-bit PCM, got {wav.getsampwidth() * 8}-bit")
        channels = wav.getnchannels()
        source_rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    samples = array("h")
    samples.frombytes(frames[: len(frames) - len(frames) % 2])
    if sys.byteorder == "big":  # WAV is little-endian
        samples.byteswap()
    mono = samples[::channels] if channels > 1 else samples
    resampled = _resample(mono, source_rate, rate)
    peak = max((abs(value) for value in resampled), default=0)
    gain = min(MAX_GAIN, PEAK * 32767 / peak) if peak else 1.0
    out = array("h", (max(-32768, min(32767, round(value * gain))) for value in resampled))
    if sys.byteorder == "big":
        out.byteswap()
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(out.tobytes())


def _resample(samples: array[int], source_rate: int, rate: int) -> list[float]:
    """Linear interpolation from `source_rate` to `rate` (speech from espeak-ng has little energy
    above 8 kHz, so the aliasing of going down from 22.05 kHz without a filter is inaudible)."""
    if source_rate == rate or not samples:
        return [float(value) for value in samples]
    count = int(len(samples) * rate / source_rate)
    step = source_rate / rate
    last = len(samples) - 1
    out: list[float] = []
    for index in range(count):
        position = index * step
        base = int(position)
        if base >= last:
            out.append(float(samples[last]))
            continue
        fraction = position - base
        out.append(samples[base] + (samples[base + 1] - samples[base]) * fraction)
    return out
