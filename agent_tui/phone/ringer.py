"""The ring tone, on a device of its own (a desk speaker) while the voice stays on the headset.

The ringer listens to the engine's events: a call that rings in starts it, and it stops once no
call rings any more (answered, refused, cancelled). It plays through PortAudio on its own output
stream, opened only while it rings (so the speaker is free the rest of the day), outside pjsua2's
conference bridge: ringing never mixes into a call or its recording.

The tone is a 16-bit PCM WAV (mono, or the first channel of more), played at its own sample rate,
looped; or, with no file, a built-in 450 Hz tone, 1 s on and 4 s off (the Chinese standard, like
the ringback). `volume` scales it, 0.0-1.0.
"""

from __future__ import annotations

import array
import math
import threading
import wave
from pathlib import Path
from typing import Any

from agent_tui.phone import sound_server
from agent_tui.phone.audio_bridge import StreamFactory
from agent_tui.phone.device_choice import (
    AudioDeviceError,
    DeviceChoice,
    portaudio_devices,
    resolve_device,
    sounddevice_module,
)
from agent_tui.phone.events import CallEnded, CallState, IncomingCall, PhoneEvent
from agent_tui.phone.options import EngineOptions
from agent_tui.phone.sound_server import aimed_at

DEFAULT_HZ = 450.0
DEFAULT_RATE = 16000
_BLOCK_S = 0.02
_STOPS_RINGING = frozenset({"connecting", "confirmed", "disconnected"})


def default_tone(rate: int = DEFAULT_RATE, hz: float = DEFAULT_HZ, on_s: float = 1.0,
                 off_s: float = 4.0) -> array.array[int]:
    """One period of the built-in ring: `hz` for `on_s`, then `off_s` of silence (full scale)."""
    tone = array.array("h", (int(32767 * 0.5 * math.sin(2 * math.pi * hz * n / rate))
                             for n in range(int(on_s * rate))))
    tone.extend(array.array("h", [0]) * int(off_s * rate))
    return tone


def read_tone(path: Path) -> tuple[array.array[int], int]:
    """The first channel of a 16-bit PCM WAV and its rate; ValueError says what is wrong with it."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise ValueError(f"cannot read the ring tone {path}: {exc}") from None
    if width != 2:
        raise ValueError(f"the ring tone {path} must be 16-bit PCM, not {width * 8}-bit")
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    samples = samples[::channels]
    if not samples:
        raise ValueError(f"the ring tone {path} has no audio")
    return samples, rate


def scaled(samples: array.array[int], volume: float) -> bytes:
    """The samples at `volume` (0.0-1.0) as little-endian bytes."""
    factor = min(max(volume, 0.0), 1.0)
    return array.array("h", (int(sample * factor) for sample in samples)).tobytes()


class Ringer:
    """Plays the ring tone on `device` while any call rings in; fed with every engine event.

    Runs on the engine thread (`on_event`) and PortAudio's (`_callback`); `close` at shutdown.
    """

    def __init__(self, stream_factory: StreamFactory, device: DeviceChoice, tone: bytes,
                 rate: int) -> None:
        self.device = device
        """Where it rings."""
        self._factory = stream_factory
        self._tone = tone or bytes(2)
        self._rate = rate
        self._position = 0
        self._lock = threading.Lock()
        self._stream: Any = None
        self.ringing: set[str] = set()
        """Calls ringing in now."""
        self.failures = 0
        """Times the device would not open (the call still rings on the desk)."""

    @property
    def playing(self) -> bool:
        """True while the ring tone plays."""
        return self._stream is not None

    def on_event(self, event: PhoneEvent) -> None:
        """Start on a call ringing in; stop when none rings any more."""
        if isinstance(event, IncomingCall):
            self.ringing.add(event.call_id)
        elif (isinstance(event, CallState) and event.state in _STOPS_RINGING) or isinstance(event, CallEnded):
            self.ringing.discard(event.call_id)
        else:
            return
        if self.ringing and self._stream is None:
            self._start()
        elif not self.ringing and self._stream is not None:
            self._stop()

    def _start(self) -> None:
        self._position = 0
        try:
            with aimed_at(None, self.device.server_name):
                stream = self._factory(samplerate=self._rate, blocksize=int(self._rate * _BLOCK_S),
                                       channels=1, dtype="int16", device=self.device.index,
                                       callback=self._callback)
            stream.start()
        except Exception:
            self.failures += 1  # a missing speaker must not stop the call from ringing on screen
            return
        self._stream = stream

    def _stop(self) -> None:
        stream, self._stream = self._stream, None
        try:
            stream.stop()
        finally:
            stream.close()

    def _callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        size = len(outdata)
        with self._lock:
            tone, start = self._tone, self._position
            out = bytearray()
            while len(out) < size:
                chunk = tone[start:start + size - len(out)]
                out += chunk
                start = (start + len(chunk)) % len(tone)
            self._position = start
        outdata[:] = bytes(out)

    def close(self) -> None:
        """Stop ringing and release the device (engine shutdown)."""
        self.ringing.clear()
        if self._stream is not None:
            self._stop()


def open_ringer(stream_factory: StreamFactory, device: DeviceChoice, tone_file: Path | None,
                volume: float) -> Ringer:
    """A ringer for this device and tone; AudioDeviceError when the tone file is unusable.

    `stream_factory` is called like `sounddevice.RawOutputStream`."""
    if tone_file is None:
        samples, rate = default_tone(), DEFAULT_RATE
    else:
        try:
            samples, rate = read_tone(tone_file)
        except ValueError as exc:
            raise AudioDeviceError(str(exc)) from None
    return Ringer(stream_factory, device, scaled(samples, volume), rate)


def ringer_for(options: EngineOptions) -> Ringer | None:
    """The engine's ringer, or None (headless, auto-answer, or no ring device); before pjsua2 starts,
    so a ring device that does not exist fails the start. Its stream opens only when a call rings."""
    if options.null_audio or options.auto_answer or options.ring_device is None:
        return None
    server = sound_server.list_devices()
    device = resolve_device(options.ring_device, "output", portaudio_devices(), server)
    return open_ringer(sounddevice_module().RawOutputStream, device, options.ring_file, options.ring_volume)
