"""A jitter buffer between two audio clocks that keeps its standing delay short.

The headset bridge (`audio_bridge`) has two: calls → earpiece and microphone → calls. Each has a
writer on one clock (pjsua2's conference bridge) and a reader on another (PortAudio), both at 20 ms.

Two bounds keep the delay short:
- capacity: a write over it drops the oldest audio down to the prefill level (a reader that stopped);
- the standing queue: when, over a whole window of reads, the buffer never held less than SPARE
  after a read, the audio that was never needed is dropped (the oldest). Measured through
  PulseAudio (`bench.audio_latency`, docs/performance.md): a fresh playback stream pulls ~1.2 s at
  once and then nothing for ~1.8 s; the earpiece's buffer overflows meanwhile and afterwards stays
  at 4-5 of its 6 frames for the whole call, 80-100 ms of the ~110-130 ms the agent hears the
  caller late. Nothing drains such a level: both clocks run at the same rate.
"""

from __future__ import annotations

import threading

SAMPLE_RATE = 16000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
"""The bridge's audio everywhere: 16 kHz, mono, signed 16-bit little-endian, 20 ms frames."""
JITTER_FRAMES = 6
"""Capacity of each jitter buffer (120 ms): beyond it the oldest audio is dropped."""
PREFILL_FRAMES = 2
"""Frames a buffer gathers before it plays (again, after running dry)."""
TRIM_WINDOW_READS = 50
"""Reads (1 s at 20 ms) over which the least level after a read is watched before trimming."""
SPARE_FRAMES = 1
"""What the standing queue is trimmed to: the least level after a read, over the window (20 ms).

The window's own unevenness (a reader that pulls two blocks at once, a late writer) is already in
the least level; SPARE is margin beyond what the last second needed."""


class JitterBuffer:
    """Bytes of PCM between two clocks: a writer and a reader that each run at their own pace.

    Thread-safe (the pjsua2 clock thread and the PortAudio thread use it at the same time).
    """

    def __init__(self, capacity_frames: int = JITTER_FRAMES, prefill_frames: int = PREFILL_FRAMES,
                 frame_bytes: int = FRAME_BYTES, window_reads: int = TRIM_WINDOW_READS,
                 spare_frames: int = SPARE_FRAMES) -> None:
        self._lock = threading.Lock()
        self._data = bytearray()
        self._capacity = capacity_frames * frame_bytes
        self._prefill = prefill_frames * frame_bytes
        self._spare = spare_frames * frame_bytes
        self._window = window_reads
        self._primed = False
        self._reads = 0
        self._least = self._capacity
        self.underruns = 0
        """Reads that found too little audio (and were completed with silence)."""
        self.dropped_bytes = 0
        """Audio thrown away because the buffer was full."""
        self.trimmed_bytes = 0
        """Audio thrown away because it stood in the buffer a whole window without being needed."""

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    @property
    def capacity_bytes(self) -> int:
        """The most the buffer holds: its longest delay."""
        return self._capacity

    def write(self, data: bytes) -> None:
        """Append audio; when over capacity, drop the oldest down to the prefill level.

        Dropping to the prefill level (not just the excess) brings the delay back down at once: a
        buffer that filled up while nobody read it (the microphone before a call) starts short.
        """
        with self._lock:
            self._data += data
            if len(self._data) > self._capacity:
                excess = len(self._data) - max(self._prefill, len(data))
                excess += excess & 1  # keep 16-bit samples whole
                del self._data[:excess]
                self.dropped_bytes += excess

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes: audio when there is enough, silence while (re)filling."""
        with self._lock:
            if not self._primed:
                if len(self._data) < max(self._prefill, size):
                    return bytes(size)
                self._primed = True
            if len(self._data) < size:
                out = bytes(self._data) + bytes(size - len(self._data))
                self._data.clear()
                self._primed = False
                self.underruns += 1
                self._reads, self._least = 0, self._capacity  # a dry spell starts a new window
                return out
            out = bytes(self._data[:size])
            del self._data[:size]
            self._watch_standing()
            return out

    def _watch_standing(self) -> None:
        """After a full read (lock held): trim the standing queue at the end of each window."""
        self._least = min(self._least, len(self._data))
        self._reads += 1
        if self._reads < self._window:
            return
        standing = self._least - self._spare
        standing -= standing & 1  # keep 16-bit samples whole
        if standing > 0:
            del self._data[:standing]
            self.trimmed_bytes += standing
        self._reads, self._least = 0, self._capacity
