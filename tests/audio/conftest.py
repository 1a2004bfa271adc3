"""Fixtures of the audio tests: one PulseAudio per test module, bot peers, tone files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audio.pulse import RATE, PulseServer
from tests.phone.conftest import Bots
from tests.support.audio_checks import write_tone_wav


@pytest.fixture(scope="module")
def pulse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """The module's PulseAudio (null sinks `headset`, `speaker`, `mic`), stopped by pid at the end."""
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def pulse(pulse_server: PulseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PulseServer]:
    """The module's PulseAudio, with this process (and its subprocesses) pointed at it."""
    for name, value in pulse_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PULSE_SINK", raising=False)
    monkeypatch.delenv("PULSE_SOURCE", raising=False)
    yield pulse_server
    for helper in pulse_server.helpers:  # recorders and players of this test
        if helper.poll() is None:
            helper.terminate()
            helper.wait(10)
    pulse_server.helpers.clear()


@pytest.fixture
def bots(tmp_path: Path) -> Iterator[Bots]:
    """Factory of `agent-tui bot` peers."""
    factory = Bots(tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def mic_tone(tmp_path: Path) -> Path:
    """20 s of 1000 Hz at the sound server's rate: what the agent says into the microphone."""
    return write_tone_wav(tmp_path / "mic-1000.wav", 1000, 20.0, rate=RATE, amplitude=0.5)
