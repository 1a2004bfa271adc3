"""When the sound bridge should open its devices again: a plain rule fed with block counts and times.

The bridge (`audio_bridge.AudioBridge.watch`) asks it on every turn of the engine loop (every 50 ms
or less) whether the stream is dead. What it had before judged a direction dead after 0.6 s without
a callback, and that misfired on healthy devices. Measured through ALSA's pulse plugin (PulseAudio
16.1, a shared 2-core machine at load 14-17, `python -m bench.audio_stall`, 4 runs of 6 opens):

- a fresh capture stream's first block came after 0.01-2.07 s;
- a playback stream fills the server's buffer in one burst and is then quiet for 1.8-1.96 s, at its
  start and again after every underrun PortAudio recovers from (seen mid-stream under load);
- a late capture callback, once the stream ran: up to 0.19 s.

So a 0.6 s rule reopened nearly every fresh stream (the engine's log: 2-5 reopens per engine start,
the microphone killed before its first block each time), and each reopen started the same wait
again. The rule now:

- a fresh stream is not judged for START_S; a direction that stays quiet for STALL_S after that is
  dead (quiet counted from its last block, or from the opening when it never called back);
- quiet time is counted in the watcher's own turns, each worth at most TURN_CAP_S: when the engine
  itself was late (a starved process, a machine under load), the time it missed is no evidence
  against the device;
- a stream that never ran both ways before it was judged dead doubles the next stream's START_S (up
  to START_MAX_S), and at most REOPENS_PER_MINUTE streams are given up in any 60 s;
- while the devices will not open at all, opening is tried every RETRY_S (a refused open is cheap and
  drops no audio: there is none).

A device that really stops is declared dead STALL_S after its last block (plus one turn, 50 ms) on an
engine that turns on time, and never before START_S after the stream was opened.
"""

from __future__ import annotations

from collections import deque

STALL_S = 2.5
"""Quiet time (in the watcher's turns) after which a direction of a stream past its START_S is dead:
above the 1.95 s a healthy playback stream was measured quiet after an underrun."""
START_S = 4.0
"""A fresh stream is not judged before this (its first capture block came up to 1.97 s late)."""
START_MAX_S = 16.0
"""START_S doubles after each stream that never ran both ways, up to this."""
TURN_CAP_S = 0.25
"""Most of the time between two turns of the watcher that counts (the engine turns every 50 ms)."""
RETRY_S = 1.0
"""While the devices will not open, how often to try again."""
REOPENS_PER_MINUTE = 6
"""At most this many streams are given up (retired and opened again) in any 60 s."""


class StallRule:
    """Decides, turn by turn, whether the bridge's stream is dead and when to open the devices again.

    Not thread-safe: only the engine thread calls it (the PortAudio thread only counts blocks).
    """

    def __init__(self, now: float) -> None:
        self._turn_at: float | None = None
        self._since_open = 0.0
        self._quiet = [0.0, 0.0]
        self._seen = [False, False]
        self._blocks = (0, 0)
        self._start_s = START_S
        self._retry_at = now
        self._given_up: deque[float] = deque()
        self.opened(now, (0, 0))

    def opened(self, now: float, blocks: tuple[int, int]) -> None:
        """A stream was opened and started; `blocks` are the bridge's counts (in, out) at that time."""
        self._since_open = 0.0
        self._quiet = [0.0, 0.0]
        self._seen = [False, False]
        self._blocks = blocks
        self._turn_at = now

    def open_failed(self, now: float) -> None:
        """The devices would not open: try again after RETRY_S."""
        self._retry_at = now + RETRY_S
        self._turn_at = now

    @property
    def start_s(self) -> float:
        """The grace of the current stream (grows while fresh streams keep dying)."""
        return self._start_s

    def stalled(self, now: float, blocks: tuple[int, int]) -> bool:
        """One turn with an open stream: True when it is dead and may be given up now."""
        credit = 0.0 if self._turn_at is None else min(max(now - self._turn_at, 0.0), TURN_CAP_S)
        self._turn_at = now
        self._since_open += credit
        for direction in (0, 1):
            if blocks[direction] != self._blocks[direction]:
                self._seen[direction] = True
                self._quiet[direction] = 0.0
            else:
                self._quiet[direction] += credit
        self._blocks = blocks
        if self._since_open < self._start_s or max(self._quiet) < STALL_S:
            return False
        while self._given_up and now - self._given_up[0] >= 60.0:
            self._given_up.popleft()
        if len(self._given_up) >= REOPENS_PER_MINUTE:
            return False
        self._given_up.append(now)
        # A stream that ran both ways died of something else than its start: the next one gets the
        # plain grace again. One that never did makes the next wait longer.
        ran = all(self._seen)
        self._start_s = START_S if ran else min(self._start_s * 2, START_MAX_S)
        return True

    def retry_due(self, now: float) -> bool:
        """One turn with no stream (the devices would not open): True when it is time to try again."""
        self._turn_at = now
        return now >= self._retry_at
