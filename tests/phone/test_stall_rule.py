"""When the headset's stream is dead: `StallRule` fed with callback timings measured through PulseAudio.

The timings come from opening the real `SplitStream` through ALSA's pulse plugin on a 2-core machine,
idle and with busy loops (docs/performance.md, "The sound bridge's stall rule"): a playback stream
fills the server's buffer in one burst and is then quiet for ~1.9 s (at its start and after every
underrun), a capture stream's first block comes up to ~2 s after opening. A device that goes away
stops calling back for good.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from agent_tui.phone import audio_bridge
from agent_tui.phone.audio_bridge import FRAME_BYTES, AudioBridge
from agent_tui.phone.device_choice import DeviceChoice
from agent_tui.phone.stall_rule import (
    REOPENS_PER_MINUTE,
    RETRY_S,
    STALL_S,
    START_MAX_S,
    START_S,
    StallRule,
)
from tests.audio.test_audio_units import FakeOutput

TURN_S = 0.05
"""The engine loop's turn (`libHandleEvents(50)`)."""
BLOCK_S = 0.02


def steady(start: float, end: float) -> list[float]:
    """One block every 20 ms from `start` until before `end`."""
    count = round((end - start) / BLOCK_S)
    return [start + n * BLOCK_S for n in range(count)]


def playback(start: float, end: float, underruns: Iterable[float] = ()) -> list[float]:
    """A healthy playback stream through the pulse plugin: a burst of 59 blocks, 1.9 s quiet, then
    steady, and the same again after every underrun."""
    times: list[float] = []
    edges = [start, *underruns, end]
    for begin, stop in itertools.pairwise(edges):
        times += [begin] * 59 + steady(begin + 1.9, stop)
    return times


def capture(start: float, end: float, first_after: float = 1.97) -> list[float]:
    """A healthy capture stream: its first block late, then steady."""
    return steady(start + first_after, end)


def turns(start: float, end: float, frozen: Sequence[tuple[float, float]] = ()) -> list[float]:
    """The engine's turns every 50 ms, none while it was starved (the `frozen` spans)."""
    return [t for t in steady_turns(start, end) if not any(a < t < b for a, b in frozen)]


def steady_turns(start: float, end: float) -> list[float]:
    count = round((end - start) / TURN_S)
    return [start + n * TURN_S for n in range(1, count + 1)]


def count_until(times: Sequence[float], now: float) -> int:
    return bisect.bisect_right(times, now)


def first_stall(rule: StallRule, mic: Sequence[float], earpiece: Sequence[float],
                at: Sequence[float]) -> float | None:
    """Run the turns; when the rule first judges the stream dead (None: never)."""
    for now in at:
        if rule.stalled(now, (count_until(mic, now), count_until(earpiece, now))):
            return now
    return None


def test_healthy_devices_under_load_are_never_judged_dead() -> None:
    # A minute: slow starts, two underruns, and the whole process starved for 3 s (no turn, no
    # callback) after which PortAudio delivers what the devices made meanwhile in one burst.
    mic = capture(0.0, 20.0) + [23.0] * 150 + steady(23.0, 60.0)
    earpiece = playback(0.0, 60.0, underruns=(10.0, 41.5))
    rule = StallRule(0.0)
    assert first_stall(rule, mic, earpiece, turns(0.0, 60.0, frozen=[(20.0, 23.0)])) is None
    # A callback late by 0.5 s every few seconds, with the engine on time, is not a stall either.
    late = [t + (0.5 if int(t) % 3 == 0 else 0.0) for t in steady(0.0, 30.0)]
    assert first_stall(StallRule(0.0), sorted(late), steady(0.0, 30.0), turns(0.0, 30.0)) is None


def test_a_device_that_stops_is_dead_within_the_stall_time_of_its_last_block() -> None:
    rule = StallRule(0.0)
    mic = capture(0.0, 10.0)  # the headset pulled out at 10 s: the microphone says nothing more
    at = first_stall(rule, mic, playback(0.0, 60.0), turns(0.0, 60.0))
    assert at is not None
    assert STALL_S <= at - mic[-1] <= STALL_S + TURN_S + 1e-9


def test_a_stream_that_never_starts_is_given_up_after_the_start_grace_then_less_often() -> None:
    rule = StallRule(0.0)
    at = first_stall(rule, [], playback(0.0, 10.0), turns(0.0, 10.0))
    assert at is not None
    assert START_S <= at <= START_S + TURN_S + 1e-9
    # Each new stream that never ran both ways waits twice as long as the last, up to START_MAX_S.
    graces = []
    given_up = [at]
    while given_up[-1] < 300.0:
        opened = given_up[-1]
        rule.opened(opened, (0, 0))
        graces.append(rule.start_s)
        nxt = first_stall(rule, [], [], turns(opened, opened + 120.0))
        assert nxt is not None
        given_up.append(nxt)
    assert graces[:4] == [2 * START_S, 4 * START_S, START_MAX_S, START_MAX_S]
    assert max(sum(t <= u < t + 60.0 for u in given_up) for t in given_up) <= REOPENS_PER_MINUTE


def test_a_stream_that_ran_and_died_gets_the_plain_grace_and_the_rule_never_exceeds_its_budget() -> None:
    rule = StallRule(0.0)
    given_up: list[float] = []
    opened = 0.0
    # A flapping device: each stream runs both ways for a second, then dies.
    while opened < 300.0:
        mic, earpiece = steady(opened, opened + 1.0), steady(opened, opened + 1.0)
        at = first_stall(rule, mic, earpiece, turns(opened, opened + 120.0))
        assert at is not None
        assert rule.start_s == START_S
        given_up.append(at)
        opened = at
        rule.opened(opened, (0, 0))
    assert given_up[0] == pytest.approx(START_S, abs=TURN_S)
    assert max(sum(t <= u < t + 60.0 for u in given_up) for t in given_up) == REOPENS_PER_MINUTE


def test_while_the_devices_will_not_open_they_are_tried_every_retry_interval() -> None:
    rule = StallRule(0.0)
    rule.open_failed(10.0)
    due = [now for now in turns(10.0, 14.0) if rule.retry_due(now)]
    assert due[0] == pytest.approx(10.0 + RETRY_S)
    assert all(t >= 10.0 + RETRY_S - 1e-9 for t in due)


class Clock:
    """The bridge's clock in these tests (its stream callback reads `time.monotonic`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def drive(bridge: AudioBridge, clock: Clock, streams: list[FakeOutput], mic: Sequence[float],
          earpiece: Sequence[float], at: Sequence[float]) -> None:
    """Deliver the blocks due before each turn to the bridge's current stream, then let it watch."""
    events = sorted([(t, "in") for t in mic] + [(t, "out") for t in earpiece])
    index = 0
    for now in at:
        while index < len(events) and events[index][0] <= now:
            clock.now = events[index][0]
            block = bytearray(FRAME_BYTES)
            indata, outdata = (block, None) if events[index][1] == "in" else (None, memoryview(block))
            streams[-1].kwargs["callback"](indata, outdata, 320, None, None)
            index += 1
        clock.now = now
        bridge.watch(now)


def test_the_bridge_keeps_a_healthy_stream_that_starts_slowly_under_load(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(audio_bridge, "time", SimpleNamespace(monotonic=clock.monotonic))
    streams: list[FakeOutput] = []

    def factory(**kwargs: Any) -> FakeOutput:
        streams.append(FakeOutput(**kwargs))
        return streams[-1]

    bridge = AudioBridge(factory, DeviceChoice(), DeviceChoice())
    bridge.start()
    t0 = clock.now
    drive(bridge, clock, streams, capture(t0, t0 + 12.0), playback(t0, t0 + 12.0, underruns=(t0 + 6.0,)),
          turns(t0, t0 + 12.0))
    assert bridge.reopened == 0, bridge.summary()
    assert len(streams) == 1
    bridge.close()


def test_a_reopen_keeps_the_buffered_audio(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(audio_bridge, "time", SimpleNamespace(monotonic=clock.monotonic))
    streams: list[FakeOutput] = []

    def factory(**kwargs: Any) -> FakeOutput:
        streams.append(FakeOutput(**kwargs))
        return streams[-1]

    bridge = AudioBridge(factory, DeviceChoice(), DeviceChoice())
    bridge.start()
    t0 = clock.now
    drive(bridge, clock, streams, steady(t0, t0 + 5.0), steady(t0, t0 + 5.0), turns(t0, t0 + 5.0))
    # The earpiece died at 5 s; the caller goes on talking meanwhile.
    voice = bytes(range(256)) * (FRAME_BYTES // 256) + bytes(FRAME_BYTES % 256)
    for _ in range(3):
        bridge.speaker.write(voice)
    drive(bridge, clock, streams, [], [], turns(t0 + 5.0, t0 + 5.0 + STALL_S + 0.2))
    assert bridge.reopened == 1
    assert len(streams) == 2
    assert streams[0].closed
    assert streams[1].started
    played = bytearray(FRAME_BYTES)
    streams[1].kwargs["callback"](None, memoryview(played), 320, None, None)
    assert bytes(played) == voice  # the new stream plays what was said while the old one was dead
    bridge.close()
