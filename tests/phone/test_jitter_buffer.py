"""The jitter buffer's standing-queue trim: audio that stood a whole window unneeded is dropped."""

from __future__ import annotations

from agent_tui.phone.audio_bridge import AudioBridge
from agent_tui.phone.jitter_buffer import FRAME_BYTES, JitterBuffer
from tests.phone.fake_sound import FakeSoundCard


def numbered(n: int) -> bytes:
    """A 20 ms frame whose bytes say which frame it is."""
    return bytes([n % 256]) * FRAME_BYTES


def frame_numbers(data: bytes) -> list[int]:
    return [data[i] for i in range(0, len(data), FRAME_BYTES)]


def test_a_standing_queue_is_trimmed_to_the_spare_after_one_window_keeping_the_newest() -> None:
    buffer = JitterBuffer(capacity_frames=6, prefill_frames=2, window_reads=10, spare_frames=1)
    for n in range(5):  # a reader that paused (a fresh PulseAudio stream): five frames stand
        buffer.write(numbered(n))
    heard: list[int] = []
    for n in range(5, 25):  # then writer and reader in step
        buffer.write(numbered(n))
        heard += frame_numbers(buffer.read(FRAME_BYTES))
    assert buffer.trimmed_bytes == 4 * FRAME_BYTES  # the least after a read was 5 frames; 1 stays
    assert len(buffer) == 1 * FRAME_BYTES
    assert buffer.underruns == 0
    assert heard[:10] == list(range(10))  # the first window plays everything, in order
    assert heard[10:] == list(range(14, 24))  # then four frames shorter: the oldest went
    assert heard == sorted(heard)


def test_a_reader_that_takes_two_blocks_at_once_is_left_what_it_needs() -> None:
    buffer = JitterBuffer(capacity_frames=6, prefill_frames=2, window_reads=10, spare_frames=1)
    for n in range(4):
        buffer.write(numbered(n))
    heard: list[int] = []
    for n in range(4, 204, 2):  # two writes, then two reads at once (a 40 ms period)
        buffer.write(numbered(n))
        buffer.write(numbered(n + 1))
        heard += frame_numbers(buffer.read(FRAME_BYTES)) + frame_numbers(buffer.read(FRAME_BYTES))
    assert buffer.underruns == 0
    assert buffer.trimmed_bytes > 0
    assert len(buffer) <= 3 * FRAME_BYTES  # the least after a read is the spare: at most 1 + 2 before
    assert heard == sorted(heard)


def test_a_buffer_that_runs_dry_starts_a_new_window_and_trims_nothing_it_needed() -> None:
    buffer = JitterBuffer(capacity_frames=6, prefill_frames=2, window_reads=4, spare_frames=1)
    for n in range(4):
        buffer.write(numbered(n))
    for _ in range(3):
        buffer.read(FRAME_BYTES)  # three full reads at levels 3, 2, 1 frames
    buffer.read(FRAME_BYTES)
    buffer.read(FRAME_BYTES)  # dry: an underrun, the window starts again
    assert buffer.underruns == 1
    assert buffer.trimmed_bytes == 0


def test_the_bridge_bounds_both_directions_and_trims_within_a_second() -> None:
    bridge = AudioBridge(FakeSoundCard().factory, None, None)
    for buffer in (bridge.speaker, bridge.microphone):
        assert buffer.capacity_bytes == 6 * FRAME_BYTES  # at most 120 ms queued each way
    for n in range(6):
        bridge.speaker.write(numbered(n))
    for n in range(6, 56):  # one second of 20 ms reads in step with the writes
        bridge.speaker.write(numbered(n))
        bridge.speaker.read(FRAME_BYTES)
    assert len(bridge.speaker) <= 1 * FRAME_BYTES
