"""Stress of WAV player teardown on a real engine, run as its own process by test_player_teardown.py.

Calls the peer given on the command line, then starts, replaces and stops short WAVs into the call
(and into every call) hundreds of times while a recorder is attached, so stops land before, during
and right after each player's end of file. A teardown that is not safe kills this process with a
signal (SIGSEGV, SIGABRT), which the test reads from the exit code. Prints one JSON summary line.

Usage: python -m tests.phone.player_stress PEER_URI WORKDIR ROUNDS SEED
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, EngineStopped, PlaybackFinished
from agent_tui.phone.options import EngineOptions
from tests.phone.support import EventLog
from tests.support.audio_checks import write_tone_wav


def main(argv: list[str]) -> int:
    uri, workdir, rounds, seed = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    # Lengths of a few bridge ticks (20 ms), about the time between commands: stops land before,
    # during and right after the ends of file.
    wavs = [write_tone_wav(workdir / f"w{ms}.wav", 400 + ms, ms / 1000, rate=8000)
            for ms in (40, 60, 80, 120, 160)]
    events = EventLog()
    engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0), recording_dir=workdir / "rec",
                                       log_file=workdir / "pjsip.log", log_level=3), events)
    engine.start()
    try:
        call_id = engine.make_call(uri)
        events.wait(CallState, timeout=20, call_id=call_id, state="confirmed")
        started = 0
        for _ in range(rounds):
            target: str | None = call_id if rng.random() < 0.8 else None
            engine.play_file(target, rng.choice(wavs))
            started += 1
            if rng.random() < 0.4:
                engine.stop_playback(target)  # may find nothing playing (already at its end): an error event
            time.sleep(rng.choice((0.0, 0.0, 0.01, 0.02, 0.04)))  # spread stops around the EOF
        # A last one plays to its end: the end-of-file path still works after all that.
        last = write_tone_wav(workdir / "last.wav", 300, 0.1, rate=8000)
        engine.play_file(call_id, last)
        started += 1
        events.wait(PlaybackFinished, timeout=20, call_id=call_id, path=str(last), reason="eof")
        engine.hangup(call_id)
        events.wait(CallEnded, timeout=20, call_id=call_id)
    finally:
        engine.stop()
    finished = events.of(PlaybackFinished)
    reasons: dict[str, int] = {}
    for event in finished:
        reasons[event.reason] = reasons.get(event.reason, 0) + 1
    clean = events.of(EngineStopped) == [EngineStopped(clean=True)]
    print(json.dumps({"started": started, "finished": len(finished), "reasons": reasons, "clean": clean}))
    return 0 if clean else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
