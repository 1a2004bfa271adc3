"""When a retired WAV player may be destroyed: never while its end-of-file callback can still run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from agent_tui.phone.file_player import EOF_WAIT_S, FilePlayer, PlayerRetirement


@dataclass
class StubPlayer:
    """The parts of FilePlayer the retirement reads."""

    reads: bool = False
    at_end: bool = False
    eof_returned: bool = False
    path: Path = field(default_factory=lambda: Path("greeting.wav"))

    def bridge_reads(self) -> bool:
        return self.reads

    def reached_end(self) -> bool:
        return self.at_end


def retired(*players: StubPlayer) -> tuple[PlayerRetirement, list[str]]:
    notes: list[str] = []
    retirement = PlayerRetirement(notes.append)
    for player in players:
        retirement.retire(cast(FilePlayer, cast(Any, player)), 0.0)
    return retirement, notes


def test_a_player_stopped_before_its_end_goes_once_the_bridge_no_longer_reads_it() -> None:
    player = StubPlayer(reads=True)
    retirement, _ = retired(player)
    retirement.tick(0.02)
    assert len(retirement) == 1  # never at the turn it was retired
    retirement.tick(0.07)
    assert len(retirement) == 1  # the disconnect is not applied yet: it could still reach its end
    player.reads = False
    retirement.tick(0.12)
    assert len(retirement) == 0


def test_a_player_at_its_end_waits_for_its_callback_however_long() -> None:
    player = StubPlayer(at_end=True)
    retirement, notes = retired(player)
    for now in (0.05, 1.0, EOF_WAIT_S + 1, EOF_WAIT_S + 2):
        retirement.tick(now)
    assert len(retirement) == 1
    assert len(notes) == 1  # said once, and kept
    assert "greeting.wav" in notes[0]
    player.eof_returned = True
    retirement.tick(EOF_WAIT_S + 3)
    assert len(retirement) == 0


def test_a_returned_callback_frees_the_player_at_the_next_turn() -> None:
    done, waiting = StubPlayer(at_end=True, eof_returned=True), StubPlayer(at_end=True)
    retirement, _ = retired(done, waiting)
    retirement.tick(0.02)
    assert len(retirement) == 2
    retirement.tick(0.04)
    assert len(retirement) == 1


def test_shutdown_polls_until_safe_then_drops_everything() -> None:
    player = StubPlayer(at_end=True)
    retirement, _ = retired(player, StubPlayer(at_end=True))
    polls: list[int] = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 3:
            player.eof_returned = True

    retirement.drain(poll, timeout=0.05)
    assert len(retirement) == 0
    assert len(polls) >= 3
