"""When a retired WAV player may be destroyed: never while its end-of-file callback can still run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from agent_tui.phone.file_player import EOF_WAIT_S, EOF_WAIT_TURNS, FilePlayer, PlayerRetirement


@dataclass
class StubPlayer:
    """The parts of FilePlayer the retirement reads."""

    reads: bool = False
    at_end: bool = False
    eof_returned: bool = False
    path: Path = field(default_factory=lambda: Path("greeting.wav"))

    def bridge_reads(self) -> bool:
        return self.reads

    def could_have_ended(self, now: float) -> bool:
        return self.at_end


def retired(*players: StubPlayer, at: float = 0.0) -> PlayerRetirement:
    retirement = PlayerRetirement()
    for player in players:
        retirement.retire(cast(FilePlayer, cast(Any, player)), at)
    return retirement


def test_a_player_stopped_before_its_end_goes_once_the_bridge_no_longer_reads_it() -> None:
    player = StubPlayer(reads=True)
    retirement = retired(player)
    retirement.tick(0.02)
    assert len(retirement) == 1  # never at the turn it was retired
    retirement.tick(0.07)
    assert len(retirement) == 1  # the disconnect is not applied yet: it could still reach its end
    player.reads = False
    retirement.tick(0.12)
    assert len(retirement) == 0


def test_a_player_that_may_be_at_its_end_waits_for_its_callback() -> None:
    player = StubPlayer(at_end=True)
    retirement = retired(player)
    for turn in range(1, 30):
        retirement.tick(turn * EOF_WAIT_S / 100)  # many turns, but well within the wait
    assert len(retirement) == 1
    player.eof_returned = True
    retirement.tick(0.4 * EOF_WAIT_S)
    assert len(retirement) == 0


def test_without_a_callback_it_goes_after_the_wait_and_enough_turns() -> None:
    retirement = retired(StubPlayer(at_end=True))
    retirement.tick(EOF_WAIT_S + 1)  # a stalled loop: time alone is not enough
    assert len(retirement) == 1
    for _ in range(EOF_WAIT_TURNS - 1):
        retirement.tick(EOF_WAIT_S + 1)
    assert len(retirement) == 1
    retirement.tick(EOF_WAIT_S + 1)
    assert len(retirement) == 0


def test_a_returned_callback_frees_the_player_at_the_next_turn() -> None:
    done, waiting = StubPlayer(at_end=True, eof_returned=True), StubPlayer(at_end=True)
    retirement = retired(done, waiting)
    retirement.tick(0.02)
    assert len(retirement) == 2
    retirement.tick(0.04)
    assert len(retirement) == 1


def test_shutdown_polls_until_safe_then_drops_everything() -> None:
    player = StubPlayer(at_end=True)
    retirement = retired(player, StubPlayer(at_end=True), at=time.monotonic())
    polls: list[int] = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 3:
            player.eof_returned = True

    retirement.drain(poll, timeout=0.05)
    assert len(retirement) == 0
    assert len(polls) >= 3


def test_a_file_longer_than_its_time_on_the_bridge_cannot_have_ended() -> None:
    player = FilePlayer.__new__(FilePlayer)  # the rule only, without a pjsua2 library
    player.seconds = 1.0
    player.first_transmit_at = None
    assert not player.could_have_ended(100.0)  # never on the bridge: never read
    player.first_transmit_at = 10.0
    assert not player.could_have_ended(10.9)
    assert player.could_have_ended(11.0)
