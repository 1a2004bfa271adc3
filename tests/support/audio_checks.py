"""Audio checks for call tests: make a test tone, then tell which tone a recording carries.

Standard library only (wave, math). The frequency estimate counts zero crossings over the frames
that carry sound, so silence before the media starts does not drag the figure down. Through G.711
a 440 Hz tone comes back as ~440-470 Hz: assert a band, not an exact value.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

FRAME_SECONDS = 0.02  # 20 ms, one RTP packet's worth


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples (the first channel of the file) and their sample rate."""

    samples: list[int]
    rate: int

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.samples) / self.rate if self.rate else 0.0

    def window(self, start_s: float | None = None, end_s: float | None = None) -> Pcm:
        """The part between `start_s` and `end_s` (seconds; None = from the start / to the end)."""
        first = 0 if start_s is None else max(0, int(start_s * self.rate))
        last = len(self.samples) if end_s is None else min(len(self.samples), int(end_s * self.rate))
        return Pcm(self.samples[first:last], self.rate)


def write_tone_wav(
    path: Path, hz: float, seconds: float, rate: int = 8000, amplitude: float = 0.5, channels: int = 1
) -> Path:
    """Write a sine tone as a 16-bit PCM WAV (every channel the same) and return the path."""
    count = int(seconds * rate)
    peak = int(amplitude * 32767)
    frames = bytearray()
    for n in range(count):
        value = int(peak * math.sin(2 * math.pi * hz * n / rate))
        frames += struct.pack("<h", value) * channels
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


def wav_bytes(seconds: float, rate: int = 8000, frame: bytes = bytes([7, 1])) -> bytes:
    """A mono 16-bit PCM WAV file's bytes: `frame` (one sample) repeated for `seconds`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frame * int(seconds * rate))
    return buffer.getvalue()


def read_pcm(path: Path) -> Pcm:
    """Read a 16-bit PCM WAV; keeps the first channel."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported, got {wav.getsampwidth() * 8}-bit")
        channels = wav.getnchannels()
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    count = len(raw) // 2
    every = struct.unpack(f"<{count}h", raw[: count * 2])
    return Pcm(list(every[::channels]), rate)


def _frames(pcm: Pcm) -> list[list[int]]:
    size = max(1, int(pcm.rate * FRAME_SECONDS))
    return [pcm.samples[i : i + size] for i in range(0, len(pcm.samples) - size + 1, size)]


def _rms(samples: list[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768.0


def rms_level(path: Path | Pcm, start_s: float | None = None, end_s: float | None = None) -> float:
    """Root-mean-square level as a fraction of full scale (0.0 silence, ~0.35 for a 0.5-amplitude sine)."""
    pcm = (path if isinstance(path, Pcm) else read_pcm(path)).window(start_s, end_s)
    return _rms(pcm.samples)


def active_seconds(path: Path | Pcm, threshold: float = 0.01) -> float:
    """How many seconds of the recording carry sound above `threshold` RMS (20 ms frames)."""
    pcm = path if isinstance(path, Pcm) else read_pcm(path)
    return sum(FRAME_SECONDS for frame in _frames(pcm) if _rms(frame) >= threshold)


def dominant_frequency(
    path: Path | Pcm, start_s: float | None = None, end_s: float | None = None, threshold: float = 0.01
) -> float:
    """Estimate the main frequency (Hz) by zero crossings over the frames louder than `threshold` RMS.

    Each frame's DC offset is removed and crossings use a small hysteresis so that codec noise
    around zero does not count. Returns 0.0 when nothing in the window is loud enough.
    """
    pcm = (path if isinstance(path, Pcm) else read_pcm(path)).window(start_s, end_s)
    crossings = 0
    loud_samples = 0
    sign = 0  # carried across consecutive loud frames, reset by a quiet one
    for frame in _frames(pcm):
        level = _rms(frame)
        if level < threshold:
            sign = 0
            continue
        mean = sum(frame) / len(frame)
        hysteresis = level * 32768.0 * 0.1
        for sample in frame:
            centred = sample - mean
            if centred > hysteresis:
                if sign < 0:
                    crossings += 1
                sign = 1
            elif centred < -hysteresis:
                if sign > 0:
                    crossings += 1
                sign = -1
        loud_samples += len(frame)
    if loud_samples == 0:
        return 0.0
    # Two crossings per period; each loud stretch loses at most one crossing at its start.
    return crossings * pcm.rate / (2.0 * loud_samples)


def tone_power(
    path: Path | Pcm, hz: float, start_s: float | None = None, end_s: float | None = None
) -> float:
    """Share of the signal's energy at `hz` (Goertzel), 0..1: a cross-check of `dominant_frequency`."""
    pcm = (path if isinstance(path, Pcm) else read_pcm(path)).window(start_s, end_s)
    samples = pcm.samples
    if not samples:
        return 0.0
    coeff = 2.0 * math.cos(2.0 * math.pi * hz / pcm.rate)
    prev = prev2 = 0.0
    for sample in samples:
        current = sample + coeff * prev - prev2
        prev2, prev = prev, current
    power = prev * prev + prev2 * prev2 - coeff * prev * prev2
    energy = sum(s * s for s in samples)
    if energy == 0:
        return 0.0
    # A pure tone at hz gives power == energy * N / 2.
    return min(1.0, 2.0 * power / (energy * len(samples)))


def readable_wav(path: Path | str) -> bool:
    """True when `path` parses as a finished 16-bit WAV (its header written), for polling with a deadline."""
    try:
        read_pcm(Path(path))
    except (OSError, EOFError, wave.Error, ValueError, struct.error):
        return False
    return True


TONE_HEARD = 0.05
"""`tone_presence` above this: the tone is there (one of two equal tones in a mix gives ~0.4-0.5)."""
TONE_ABSENT = 0.01
"""`tone_peak` below this: the tone is absent all along (codec noise and neighbours stay under 0.005)."""


def tone_shares(
    path: Path | Pcm, hz: float, start_s: float, end_s: float, chunk_s: float = 0.1
) -> list[float]:
    """`tone_power` of each `chunk_s` slice of the window, sorted ascending.

    Short slices, because a jitter buffer that drops or repeats a frame shifts the tone's phase:
    Goertzel over a long window then cancels itself out though the tone is plainly there. A tone
    mixed with others keeps its share in every slice, so this detects one voice in a mix.
    """
    pcm = path if isinstance(path, Pcm) else read_pcm(path)
    count = int((end_s - start_s) / chunk_s)
    if count < 1:
        raise ValueError(f"window {start_s:.2f}-{end_s:.2f} s is shorter than one {chunk_s} s slice")
    slices = ((start_s + i * chunk_s, start_s + (i + 1) * chunk_s) for i in range(count))
    return sorted(tone_power(pcm, hz, first, last) for first, last in slices)


def tone_presence(path: Path | Pcm, hz: float, start_s: float, end_s: float) -> float:
    """The median slice share of `hz`: above `TONE_HEARD` the tone is there most of the window."""
    values = tone_shares(path, hz, start_s, end_s)
    return values[len(values) // 2]


def tone_peak(path: Path | Pcm, hz: float, start_s: float, end_s: float) -> float:
    """The 90th-percentile slice share of `hz`: below `TONE_ABSENT` the tone is absent all along."""
    values = tone_shares(path, hz, start_s, end_s)
    return values[int(len(values) * 0.9)]
