"""How late the headset bridge delivers sound through PulseAudio, each way (one-way delay, seconds).

The real `AudioBridge` over its real `SplitStream` (PortAudio → ALSA's pulse plugin → a private
PulseAudio with null sinks, `tests/audio/pulse.py`). A thread stands in for pjsua2's conference
clock: every 20 ms it writes a frame into the bridge's `speaker` buffer (what `frame_received`
does) and reads one from its `microphone` buffer (what `frame_requested` does).

- Playback (what the agent hears): every second the clock writes a 200 ms tone burst instead of
  silence; a second, low-latency PortAudio recorder on the headset sink's monitor notes when the
  burst comes out of the sink. Delay = out of the sink − written into the bridge.
- Capture (what the caller hears): `paplay` plays bursts into the microphone's sink; a low-latency
  recorder on that sink's monitor notes when each burst is there, the clock notes when it reads the
  burst from the bridge's `microphone` buffer (what pjsua2 would send into the call).
  Delay = read by the clock − heard by the reference recorder.

The reference recorders' own capture latency (one 10 ms block plus PulseAudio's fragment) makes the
playback figure a little high and the capture figure a little low; both are small next to the
figures this bench is about. The streams are opened with the bridge's own settings unless `--latency`
names another (seconds, or "low"/"high": what PortAudio asks of the sound server).

    .venv/bin/python -m bench.audio_latency [--seconds S] [--latency L]
"""

from __future__ import annotations

import argparse
import array
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from agent_tui.phone import audio_bridge, sound_server
from agent_tui.phone.audio_bridge import FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE, AudioBridge, SplitStream
from agent_tui.phone.device_choice import portaudio_devices, resolve_pair, sounddevice_module
from tests.audio.pulse import RATE, PulseServer

BURST_S = 0.2
PERIOD_S = 3.0
"""Far apart enough that a burst ~2.5 s late is still told from the next one."""
THRESHOLD = 4000
"""A sample louder than this is the tone (bursts are at half scale, silence is zero)."""
REF_BLOCK = 160
"""The reference recorders' block (10 ms)."""


def _tone_frame(index: int) -> bytes:
    first = index * FRAME_SAMPLES
    samples = array.array("h", (int(16000 * math.sin(2 * math.pi * 1000 * (first + i) / SAMPLE_RATE))
                                for i in range(FRAME_SAMPLES)))
    return samples.tobytes()


def _onset(block: bytes) -> int | None:
    """Index of the first loud sample of a block, or None."""
    samples = array.array("h")
    samples.frombytes(block[: len(block) // 2 * 2])
    for i, value in enumerate(samples):
        if abs(value) > THRESHOLD:
            return i
    return None


class Onsets:
    """Times bursts begin in a stream of blocks: a loud sample after at least half a period of quiet."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._last_loud = -math.inf

    def block(self, data: bytes, end_time: float) -> None:
        """A block whose last sample was there at `end_time` (monotonic)."""
        first = _onset(data)
        if first is None:
            return
        samples = len(data) // 2
        at = end_time - (samples - first) / SAMPLE_RATE
        if at - self._last_loud > PERIOD_S / 2:
            self.times.append(at)
        self._last_loud = end_time


def _reference(sd: Any, source: str, onsets: Onsets) -> Any:
    def heard(indata: Any, frames: int, stamp: Any, status: Any) -> None:
        onsets.block(bytes(indata), time.monotonic())

    with sound_server.aimed_at(source, None):
        stream = sd.RawInputStream(samplerate=SAMPLE_RATE, blocksize=REF_BLOCK, channels=1, dtype="int16",
                                   device=_pulse_index(), latency="low", callback=heard)
    stream.start()
    return stream


def _pulse_index() -> int:
    for index, device in enumerate(portaudio_devices()):
        if device.get("name") == sound_server.PORTAUDIO_NAME:
            return index
    raise SystemExit("no PortAudio 'pulse' device")


def _pair(written: list[float], arrived: list[float]) -> list[float]:
    """Each burst's delay: the first arrival within a period after its writing."""
    delays = []
    for start in written:
        later = [t for t in arrived if start <= t < start + PERIOD_S]
        if later:
            delays.append(later[0] - start)
    return delays


def measure(seconds: float, latency: str | None) -> dict[str, Any]:
    """Run the bridge `seconds` with bursts both ways; the benchmark's JSON result."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-audio-latency-"))
    server = PulseServer(tmp / "pulse").start()
    streams: list[Any] = []
    bridge: AudioBridge | None = None
    stop = threading.Event()
    try:
        os.environ.update(server.env)
        sd = sounddevice_module()
        wav = _burst_wav(tmp / "bursts.wav", seconds + 10)
        heard_out, heard_mic, read_mic = Onsets(), Onsets(), Onsets()
        written: list[float] = []
        fill: list[float] = []
        streams.append(_reference(sd, "headset.monitor", heard_out))
        streams.append(_reference(sd, "mic.monitor", heard_mic))
        factory: Any = SplitStream
        if latency is not None:
            value: Any = latency if latency in ("low", "high") else float(latency)

            def factory(**kwargs: Any) -> Any:
                return SplitStream(latency=value, **kwargs)

        choices = resolve_pair("mic.monitor", "Agent Headset", portaudio_devices(rescan=True))
        bridge = AudioBridge(factory, *choices)
        bridge.start()
        settle = 6.0  # the stall bench saw a first capture block up to ~2 s late
        server.play("mic", wav)

        began = time.monotonic()

        def clock() -> None:
            assert bridge is not None
            tick = 0
            while not stop.is_set():
                now = time.monotonic()
                phase = (now - began - settle) % PERIOD_S if now - began > settle else PERIOD_S
                if phase < BURST_S:
                    if not written or now - written[-1] > PERIOD_S / 2:
                        written.append(now)
                    frame = _tone_frame(tick)
                else:
                    frame = bytes(FRAME_BYTES)
                bridge.speaker.write(frame)
                if now - began > settle:
                    fill.append(len(bridge.speaker) / FRAME_BYTES * audio_bridge.FRAME_MS / 1000)
                read_mic.block(bridge.microphone.read(FRAME_BYTES), time.monotonic())
                tick += 1
                stop.wait(max(0.0, began + tick * audio_bridge.FRAME_MS / 1000 - time.monotonic()))

        worker = threading.Thread(target=clock, name="bench-clock", daemon=True)
        worker.start()
        time.sleep(settle + seconds)  # a benchmark's measured window, not a wait for a condition
        stop.set()
        worker.join(5)
        playback = _pair(written, heard_out.times)
        capture = _pair([t for t in heard_mic.times if t > began + settle], read_mic.times)
        summary = bridge.summary()
        reported = _reported_latency(bridge)
        trimmed = getattr(bridge.speaker, "trimmed_bytes", None)
    finally:
        stop.set()
        for stream in streams:
            stream.abort()
            stream.close()
        if bridge is not None:
            bridge.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()[0]

    def figure(name: str, delays: list[float]) -> dict[str, Any]:
        if not delays:
            return {"name": name, "unit": "s", "value": "no burst arrived", "ok": False}
        return {"name": f"{name}, median / max of {len(delays)}", "unit": "s",
                "value": f"{statistics.median(delays):.3f} / {max(delays):.3f}",
                "target": "≤ 0.150", "ok": statistics.median(delays) <= 0.150}

    return {"bench": "audio_latency", "seconds": seconds, "latency": latency or "the bridge's",
            "load": round(load, 2), "bridge": summary, "trimmed_bytes": trimmed,
            "portaudio_latency_s": reported,
            "figures": [figure("playback delay (into the bridge → out of the sink)", playback),
                        figure("capture delay (into the source → out of the bridge)", capture),
                        {"name": "the bridge's speaker buffer before each write, mean / max", "unit": "s",
                         "value": f"{statistics.fmean(fill or [0]):.3f} / {max(fill or [0]):.3f}"}]}


def _reported_latency(bridge: AudioBridge) -> dict[str, float] | None:
    """What PortAudio says each direction of the bridge's stream adds (its `latency`)."""
    stream = bridge._stream  # a benchmark looks inside the stream
    inner, outer = getattr(stream, "_input", None), getattr(stream, "_output", None)
    if inner is None or outer is None:
        return None
    return {"input": round(inner.latency, 4), "output": round(outer.latency, 4)}


def _burst_wav(path: Path, seconds: float) -> Path:
    """A WAV of bursts (BURST_S of 1 kHz every PERIOD_S) at the server's rate."""
    import wave

    period = int(PERIOD_S * RATE)
    burst = int(BURST_S * RATE)
    one = array.array("h", (int(16000 * math.sin(2 * math.pi * 1000 * i / RATE)) if i < burst else 0
                            for i in range(period)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(one.tobytes() * int(seconds / PERIOD_S))
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--latency", default=None)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.seconds, args.latency), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
