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
load). An event still queued is harmless (the unsubscribe makes it match nobody). So a player that
reached its end of file is destroyed only after its `onEof2` returned, and one stopped before its end
only once the bridge no longer reads it (no listeners left), so it can never reach the end.
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

EOF_WAIT_S = 10.0
"""How long a stopped player that reached its end waits for its `onEof2` before we say so in the log
(it is still never destroyed before the callback: a leaked player is better than a crash)."""


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
        with wave.open(str(path), "rb") as wav:
            self.samples = wav.getnframes()

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

    def reached_end(self) -> bool:
        """True when the file was read to its end (an end-of-file event was, or is being, posted)."""
        if self.at_eof or self.eof_returned:
            return True
        try:
            return int(self.getPos()) >= self.samples
        except pj.Error:
            return True  # unknown: wait for the callback (or the deadline) rather than risk it


@dataclass
class _Retired:
    """A player waiting to be destroyed: since when, how many engine loop turns it has seen."""

    player: FilePlayer
    since: float
    turns: int = 0
    noted: bool = False


class PlayerRetirement:
    """Players taken off the bridge, kept until destroying them cannot race their end-of-file callback.

    Runs on the engine thread. `tick` drops every player that is safe; at the earliest one loop turn
    after it was retired, so a disconnect or a callback that just returned has settled.
    """

    def __init__(self, note: Callable[[str], None]) -> None:
        self._note = note
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
            if item.turns >= 1 and self._safe(item.player):
                continue  # the last reference goes here, on the engine thread
            if now - item.since > EOF_WAIT_S and not item.noted:
                item.noted = True
                self._note(f"player {item.player.path.name}: no end-of-file callback after "
                           f"{EOF_WAIT_S:g} s; kept (destroying it could crash)")
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

    @staticmethod
    def _safe(player: FilePlayer) -> bool:
        if player.eof_returned:
            return True
        return not player.bridge_reads() and not player.reached_end()
