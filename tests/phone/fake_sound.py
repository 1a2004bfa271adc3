"""A fake PortAudio duplex stream for the headset bridge: a clock thread like a sound card's.

Every 20 ms it calls the bridge's callback with the next microphone block (a sine tone or silence)
and keeps what the bridge played, with the time it was played, for the test to analyse.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from tests.support.audio_checks import Pcm

RATE = 16000
BLOCK = 320


class FakeSoundCard:
    """Stands in for `sounddevice.RawStream`; `factory` is what `EngineOptions.audio_stream_factory` takes."""

    def __init__(self, mic_hz: float = 0.0) -> None:
        self.mic_hz = mic_hz
        self.kwargs: dict[str, Any] = {}
        self.played: list[tuple[float, bytes]] = []
        self.started = threading.Event()
        self.closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._sample = 0

    def factory(self, **kwargs: Any) -> FakeSoundCard:
        """Called by the bridge with the stream's settings."""
        self.kwargs = kwargs
        return self

    def start(self) -> None:
        """Start the clock thread."""
        self._thread = threading.Thread(target=self._clock, name="fake-sound-card", daemon=True)
        self._thread.start()
        self.started.set()

    def stop(self) -> None:
        """Stop the clock thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def close(self) -> None:
        """Release the (fake) device."""
        self.closed = True

    def _mic_block(self) -> bytes:
        out = bytearray()
        for n in range(self._sample, self._sample + BLOCK):
            value = int(12000 * math.sin(2 * math.pi * self.mic_hz * n / RATE)) if self.mic_hz else 0
            out += value.to_bytes(2, "little", signed=True)
        self._sample += BLOCK
        return bytes(out)

    def _clock(self) -> None:
        callback = self.kwargs["callback"]
        began = time.monotonic()
        ticks = 0
        while True:
            ticks += 1
            # A sound card's clock: one block every 20 ms (this paces the device, it waits for nothing).
            if self._stop.wait(max(0.0, began + ticks * BLOCK / RATE - time.monotonic())):
                return
            outdata = bytearray(BLOCK * 2)
            callback(self._mic_block(), memoryview(outdata), BLOCK, None, None)
            with self._lock:
                self.played.append((time.monotonic(), bytes(outdata)))

    def heard(self, start: float | None = None, end: float | None = None) -> Pcm:
        """What the bridge played between two monotonic times, as PCM."""
        with self._lock:
            blocks = [data for at, data in self.played
                      if (start is None or at >= start) and (end is None or at <= end)]
        raw = b"".join(blocks)
        samples = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw) - 1, 2)]
        return Pcm(samples, RATE)

    def blocks_after(self, start: float) -> int:
        """How many blocks were played after `start`."""
        with self._lock:
            return sum(1 for at, _ in self.played if at >= start)
