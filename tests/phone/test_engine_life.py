"""Engine start/stop: repeatable in one process, no threads or descriptors left behind."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from agent_tui.phone.engine import PhoneEngine, PhoneEngineError
from agent_tui.phone.events import EngineStarted, EngineStopped
from agent_tui.phone.options import EngineOptions
from tests.phone.support import EventLog


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_start_stop_three_times_leaves_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):  # warm-up: the first start loads codecs and such for the process' life
        log = EventLog()
        engine = PhoneEngine(EngineOptions(log_file=tmp_path / "pjsip.log", log_level=5), log)
        engine.start()
        engine.stop()
    threads, fds = threading.active_count(), _fds()
    for _ in range(3):
        log = EventLog()
        engine = PhoneEngine(EngineOptions(log_file=tmp_path / "pjsip.log", log_level=5), log)
        started = engine.start()
        assert started.udp_port > 0
        assert started.tcp_port == started.udp_port
        engine.stop()
        assert log.of(EngineStarted) == [started]
        assert log.of(EngineStopped) == [EngineStopped(clean=True)]
    assert threading.active_count() == threads
    assert _fds() == fds
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
    assert "PJSUA destroyed" in (tmp_path / "pjsip.log").read_text()


def test_a_taken_port_fails_start_with_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", port)))
        with pytest.raises(PhoneEngineError, match=r"failed to start: .*[Aa]ddress"):
            engine.start()
    engine = PhoneEngine(EngineOptions())  # and the process can still run an engine afterwards
    engine.start()
    engine.stop()


def test_a_second_engine_in_the_process_is_refused() -> None:
    first = PhoneEngine(EngineOptions())
    first.start()
    try:
        with pytest.raises(PhoneEngineError, match="another phone engine"):
            PhoneEngine(EngineOptions()).start()
    finally:
        first.stop()


def test_audio_cli_says_clearly_when_there_is_no_audio(capsys: pytest.CaptureFixture[str]) -> None:
    from agent_tui.cli import main

    code = main(["audio", "list"])
    out, err = capsys.readouterr()
    if code != 0:  # no sounddevice/PortAudio/devices on this machine: a clear message, no traceback
        assert "agent-tui audio:" in err
        assert "Traceback" not in err
    else:
        assert out.strip()
