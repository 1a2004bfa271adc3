"""WAV players on the conference bridge, and their safe teardown.

Which thread does what (pjsua2 2.15, measured with a core dump of the crash this module prevents):
- engine thread: `createPlayer`, `startTransmit` to the call's port and its recorder, `stopTransmit`,
  and the destructor (`pjsua_player_destroy`, which unsubscribes the port from pjmedia's event manager
  and frees it);
- conference clock thread: reads the file while the player has listeners; at the end of the file it
  POSTS an end-of-file event to the event manager's queue;
- event manager worker thread: takes the event, releases the manager's lock, and calls the port's
  `file_on_event`, which calls pjsua2, which calls `onEof2` (waiting for the GIL).

A player destroyed while the worker is between taking the event and returning from `onEof2` leaves the
worker calling through freed memory: SIGSEGV in `file_on_event` (the simulated caller's death under
load). An event still queued is harmless (the unsubscribe makes it match nobody). So a retired player
is destroyed (on the engine thread, a loop turn after it was taken off every port) only when:
- its `onEof2` has returned; or
- the bridge no longer reads it and its file is longer than its time on the bridge, so the bridge
  cannot have reached the end (`getPos` cannot tell: at the end of a short file it wraps back to 0);
- or else, when it may have ended without a callback seen yet, after `EOF_WAIT_S` and
  `EOF_WAIT_TURNS` (the residual risk: an event worker starved of CPU for that long).
"""

from __future__ import annotations

import contextlib
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pjsua2 as pj

EOF_WAIT_S = 0.5
"""How long a stopped player that may have reached its end waits for its `onEof2` before it is
destroyed anyway. An event posted before the bridge stopped reading is delivered as soon as the
event worker gets the GIL (milliseconds); a player kept longer holds one of pjsua's few player
slots (a 10 s wait ran them out in the stress test: PJ_ETOOMANY), and the file may simply not have
been read to its end (stopped just before it, or a held call)."""

EOF_WAIT_TURNS = 10
"""...and at least this many engine loop turns (each gives the worker thread the GIL)."""

FRAME_SLACK_S = 0.02
"""Margin for the bridge's clock against ours (one 20 ms frame)."""


class FilePlayer(pj.AudioMediaPlayer):  # type: ignore[misc]
    """A WAV player for one call (or all calls) that notes its end of file and where it transmits.

    `onEof2` runs on pjmedia's event worker thread: it only sets flags; the engine thread reports
    and drops the player at its later turns (see `PlayerRetirement`).
    """

    def __init__(self, call_id: str | None, path: Path) -> None:
        super().__init__()
        self.call_id = call_id
        self.path = path
        self.at_eof = False
        """The end of file was reached while playing: the engine reports it at its next turn."""
        self.eof_returned = False
        """Set as the last thing `onEof2` does: after it, the callback no longer needs this object."""
        self.closing = False
        """Taken off the bridge: an end of file now is only noted, never reported."""
        self.sinks: dict[int, Any] = {}
        """Every port this player was told to transmit to (call media, recorders), by port id."""
        self.first_transmit_at: float | None = None
        """When the bridge was first told to read it (monotonic), None: never."""
        with wave.open(str(path), "rb") as wav:
            self.seconds = wav.getnframes() / wav.getframerate()

    def onEof2(self) -> None:
        try:
            if not self.closing:
                self.at_eof = True
        finally:
            self.eof_returned = True

    def transmit_to(self, sink: Any) -> None:
        """startTransmit, remembering the sink so that teardown can disconnect it."""
        self.startTransmit(sink)
        self.sinks[int(sink.getPortId())] = sink
        if self.first_transmit_at is None:
            self.first_transmit_at = time.monotonic()

    def take_off_bridge(self, extra_sinks: list[Any]) -> None:
        """Stop transmitting to every port (engine thread): the bridge stops reading the file."""
        self.closing = True
        for sink in [*self.sinks.values(), *extra_sinks]:
            with contextlib.suppress(pj.Error):
                self.stopTransmit(sink)
        self.sinks.clear()

    def bridge_reads(self) -> bool:
        """True while the bridge still has listeners for this port (a disconnect not applied yet)."""
        try:
            return len(self.getPortInfo().listeners) > 0
        except pj.Error:
            return False

    def could_have_ended(self, now: float) -> bool:
        """True when the bridge may have read the file to its end by `now` (so an end-of-file event
        may be on its way). The bridge reads one frame per clock tick, catching up at most to real
        time, never from before the first startTransmit: a file longer than the time since then
        cannot have ended. (`getPos` cannot tell: at the end of a short file it wraps back to 0.)"""
        if self.first_transmit_at is None:
            return False
        return now - self.first_transmit_at >= self.seconds - FRAME_SLACK_S


@dataclass
class _Retired:
    """A player waiting to be destroyed: since when, how many engine loop turns it has seen."""

    player: FilePlayer
    since: float
    turns: int = 0


class PlayerRetirement:
    """Players taken off the bridge, kept until destroying them cannot race their end-of-file callback.

    Runs on the engine thread. `tick` drops every player that is safe; at the earliest one loop turn
    after it was retired, so a disconnect or a callback that just returned has settled.
    """

    def __init__(self) -> None:
        self._waiting: list[_Retired] = []

    def __len__(self) -> int:
        return len(self._waiting)

    def retire(self, player: FilePlayer, now: float) -> None:
        """Keep a player taken off the bridge until it is safe to destroy."""
        self._waiting.append(_Retired(player, now))

    def tick(self, now: float) -> None:
        """Drop (destroy) the players that are safe now."""
        kept: list[_Retired] = []
        for item in self._waiting:
            if item.turns >= 1 and self._safe(item, now):
                continue  # the last reference goes here, on the engine thread
            item.turns += 1
            kept.append(item)
        self._waiting = kept

    def drain(self, poll: Callable[[], None], timeout: float = 1.0) -> None:
        """At shutdown: poll the library until every player is safe (or `timeout`), then drop them all."""
        deadline = time.monotonic() + timeout
        while self._waiting and time.monotonic() < deadline:
            poll()
            self.tick(time.monotonic())
        self._waiting.clear()

    def _safe(self, item: _Retired, now: float) -> bool:
        player = item.player
        if player.eof_returned:
            return True
        if player.bridge_reads():
            return False  # the disconnect is not applied yet: it may still reach its end
        if not player.could_have_ended(now):
            return True
        return now - item.since >= EOF_WAIT_S and item.turns >= EOF_WAIT_TURNS
