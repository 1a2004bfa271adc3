"""How healthy headset streams call back through PulseAudio, and how often a stall rule judges them dead.

Opens the bridge's real `SplitStream` (PortAudio → ALSA's pulse plugin → a private PulseAudio with
null sinks, `tests/audio/pulse.py`) `--opens` times, each for `--hold` seconds, with a tone playing
into the microphone's sink, and keeps the time of every callback of both directions. The devices
are healthy all along, so any stream a rule judges dead is a misfire. The timings are replayed on a
grid of engine turns every 50 ms through the rule the bridge had before (a direction without a
callback for 0.6 s, the stream at least 0.6 s old) and through `StallRule`.

Figures: the capture stream's first block (median, max), the longest quiet of a healthy playback
stream, the longest gap of a capture stream once it ran, and the healthy streams each rule would have
given up (target: none).

    .venv/bin/python -m bench.audio_stall [--opens N] [--hold S]

Run it under load (busy loops started and killed by pid) to see the misfires the old rule made.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent_tui.phone import sound_server
from agent_tui.phone.audio_bridge import FRAME_SAMPLES, SAMPLE_RATE, SplitStream
from agent_tui.phone.device_choice import portaudio_devices, resolve_pair
from agent_tui.phone.stall_rule import StallRule
from tests.audio.pulse import RATE, PulseServer
from tests.support.audio_checks import write_tone_wav

TURN_S = 0.05
OLD_STALL_S = 0.6


def old_rule_fires(mic: list[float], earpiece: list[float], hold: float) -> bool:
    """The rule before StallRule: judged dead when either direction was quiet 0.6 s (from the opening)."""
    for n in range(1, int(hold / TURN_S)):
        now = n * TURN_S
        last = [times[bisect.bisect_right(times, now) - 1] if bisect.bisect_right(times, now) else 0.0
                for times in (mic, earpiece)]
        if now >= OLD_STALL_S and now - min(last) >= OLD_STALL_S:
            return True
    return False


def new_rule_fires(mic: list[float], earpiece: list[float], hold: float) -> bool:
    """`StallRule` on the same turns."""
    rule = StallRule(0.0)
    for n in range(1, int(hold / TURN_S)):
        now = n * TURN_S
        if rule.stalled(now, (bisect.bisect_right(mic, now), bisect.bisect_right(earpiece, now))):
            return True
    return False


def one_open(input_index: Any, output_index: Any, names: tuple[str | None, str | None],
             hold: float) -> tuple[list[float], list[float]]:
    """Callback times (seconds after the start) of each direction of one stream held `hold` s."""
    heard: list[float] = []
    played: list[float] = []
    started = time.monotonic()

    def callback(indata: Any, outdata: Any, frames: int, stamp: Any, status: Any) -> None:
        now = time.monotonic() - started
        if indata is not None:
            heard.append(now)
        if outdata is not None:
            outdata[:] = bytes(len(outdata))
            played.append(now)

    with sound_server.aimed_at(*names):
        stream = SplitStream(samplerate=SAMPLE_RATE, blocksize=FRAME_SAMPLES, channels=1, dtype="int16",
                             device=(input_index, output_index), callback=callback)
    started = time.monotonic()
    stream.start()
    time.sleep(hold)  # a benchmark's measured window, not a wait for a condition
    stream.abort()
    stream.close()
    return heard, played


def measure(opens: int, hold: float) -> dict[str, Any]:
    """Open the streams, replay their timings through both rules; the benchmark's JSON result."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-audio-stall-"))
    server = PulseServer(tmp / "pulse").start()
    try:
        os.environ.update(server.env)
        tone = write_tone_wav(tmp / "tone.wav", 1000, opens * hold + 30, rate=RATE, amplitude=0.5)
        server.play("mic", tone)
        choices = resolve_pair("mic.monitor", "Agent Headset", portaudio_devices(rescan=True))
        names = (choices[0].server_name, choices[1].server_name)
        firsts: list[float] = []
        quiet: list[float] = []
        late: list[float] = []
        old = new = 0
        for _ in range(opens):
            mic, earpiece = one_open(choices[0].index, choices[1].index, names, hold)
            firsts.append(mic[0] if mic else hold)
            gaps = [b - a for a, b in itertools.pairwise(earpiece)]
            quiet.append(max(gaps, default=hold))
            late.append(max((b - a for a, b in itertools.pairwise(mic)), default=hold))
            old += old_rule_fires(mic, earpiece, hold)
            new += new_rule_fires(mic, earpiece, hold)
    finally:
        server.stop()
    load = os.getloadavg()[0]
    return {"bench": "audio_stall", "opens": opens, "hold_s": hold, "load": round(load, 2),
            "figures": [
                {"name": "first capture block, median / max", "unit": "s",
                 "value": f"{statistics.median(firsts):.2f} / {max(firsts):.2f}"},
                {"name": "longest quiet of a healthy playback stream", "unit": "s",
                 "value": round(max(quiet), 2)},
                {"name": "longest gap of a capture stream once running", "unit": "s",
                 "value": round(max(late), 2)},
                {"name": f"healthy streams the 0.6 s rule gives up (of {opens})", "value": old},
                {"name": f"healthy streams StallRule gives up (of {opens})", "value": new, "target": "0",
                 "ok": new == 0},
            ]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=6)
    parser.add_argument("--hold", type=float, default=6.0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.opens, args.hold), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
