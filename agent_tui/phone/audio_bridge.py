"""The bridge between pjsua2's conference bridge and a real headset through PortAudio (`sounddevice`).

pjsua2 here has no sound device compiled in: the null device clocks the conference bridge, and a
`pj.AudioMediaPort` subclass (`BridgePort`) is one more port on it. Calls transmit to that port
(`onFrameReceived`: what the agent hears) and it transmits into calls (`onFrameRequested`: the
microphone). A PortAudio duplex stream runs on its own clock; two small jitter buffers sit between
the two clocks. An empty buffer plays silence (and refills a few frames before it plays again); a full
one drops its oldest audio, so the delay stays short.

Audio format everywhere: 16 kHz, mono, signed 16-bit little-endian, 20 ms frames (640 bytes).

Devices are opened before pjsua2 starts, so a wrong device name fails the start cleanly (no half
initialised pjsua2). The stream itself is made by a factory (`sounddevice.RawStream` by default) so
tests can drive the bridge with a fake stream and the real pjsua2 frame callbacks.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

import pjsua2 as pj

SAMPLE_RATE = 16000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
JITTER_FRAMES = 6
"""Capacity of each jitter buffer (120 ms): beyond it the oldest audio is dropped."""
PREFILL_FRAMES = 2
"""Frames a buffer gathers before it plays (again, after running dry)."""

DeviceKind = Literal["input", "output"]


class AudioDeviceError(RuntimeError):
    """No usable sound device (none at all, or none matching the configured name or index)."""


class SoundStream(Protocol):
    """What the bridge needs of a PortAudio stream (`sounddevice.RawStream` fits)."""

    def start(self) -> None:
        """Begin calling the callback."""

    def stop(self) -> None:
        """Stop calling the callback (waits for the running call to end)."""

    def close(self) -> None:
        """Release the device."""


StreamFactory = Callable[..., SoundStream]
"""Called like `sounddevice.RawStream(samplerate=, blocksize=, channels=, dtype=, device=, callback=)`."""


class JitterBuffer:
    """Bytes of PCM between two clocks: a writer and a reader that each run at their own pace.

    Thread-safe (the pjsua2 clock thread and the PortAudio thread use it at the same time).
    """

    def __init__(self, capacity_frames: int = JITTER_FRAMES, prefill_frames: int = PREFILL_FRAMES,
                 frame_bytes: int = FRAME_BYTES) -> None:
        self._lock = threading.Lock()
        self._data = bytearray()
        self._capacity = capacity_frames * frame_bytes
        self._prefill = prefill_frames * frame_bytes
        self._primed = False
        self.underruns = 0
        """Reads that found too little audio (and were completed with silence)."""
        self.dropped_bytes = 0
        """Audio thrown away because the buffer was full."""

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def write(self, data: bytes) -> None:
        """Append audio; when over capacity, drop the oldest down to the prefill level.

        Dropping to the prefill level (not just the excess) brings the delay back down at once: a
        buffer that filled up while nobody read it (the microphone before a call) starts short.
        """
        with self._lock:
            self._data += data
            if len(self._data) > self._capacity:
                excess = len(self._data) - max(self._prefill, len(data))
                excess += excess & 1  # keep 16-bit samples whole
                del self._data[:excess]
                self.dropped_bytes += excess

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes: audio when there is enough, silence while (re)filling."""
        with self._lock:
            if not self._primed:
                if len(self._data) < max(self._prefill, size):
                    return bytes(size)
                self._primed = True
            if len(self._data) < size:
                out = bytes(self._data) + bytes(size - len(self._data))
                self._data.clear()
                self._primed = False
                self.underruns += 1
                return out
            out = bytes(self._data[:size])
            del self._data[:size]
            return out


class AudioBridge:
    """Moves audio between the conference bridge (pjsua2 frames) and a PortAudio duplex stream.

    `speaker` holds what calls send to the agent, `microphone` what the agent says into calls.
    """

    def __init__(self, stream_factory: StreamFactory, input_device: int | None,
                 output_device: int | None) -> None:
        self.speaker = JitterBuffer()
        self.microphone = JitterBuffer()
        self.port: BridgePort | None = None
        self._stream = stream_factory(
            samplerate=SAMPLE_RATE,
            blocksize=FRAME_SAMPLES,
            channels=1,
            dtype="int16",
            device=(input_device, output_device),
            callback=self.stream_callback,
        )
        self._running = False

    # ------------------------------------------------------------ PortAudio side

    def stream_callback(self, indata: Any, outdata: Any, frames: int, time: Any, status: Any) -> None:
        """PortAudio's callback (its own thread): microphone in, call audio out."""
        self.microphone.write(bytes(indata))
        outdata[:] = self.speaker.read(len(outdata))

    # -------------------------------------------------------------- pjsua2 side

    def frame_received(self, frame: Any) -> None:
        """A frame the conference bridge sends to the agent (pjsua2's clock thread)."""
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.speaker.write(bytes(frame.buf)[: frame.size])
        else:  # no transmitter this tick: keep the clocks in step with silence
            self.speaker.write(bytes(FRAME_BYTES))

    def frame_requested(self, frame: Any) -> None:
        """The conference bridge asks for the microphone's next frame (pjsua2's clock thread)."""
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(self.microphone.read(FRAME_BYTES))
        frame.size = FRAME_BYTES

    # ---------------------------------------------------------------- life

    def start(self) -> None:
        """Start the stream (before pjsua2: a device that will not open fails the engine start)."""
        self._stream.start()
        self._running = True

    def attach(self) -> BridgePort:
        """Create the conference port (engine thread, after `libStart`)."""
        port = BridgePort(self)
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, SAMPLE_RATE, 1, FRAME_MS * 1000, 16)
        port.createPort("agent-tui-sound", fmt)
        self.port = port
        return port

    def detach(self) -> None:
        """Let go of the conference port for good (engine thread, before `libDestroy`).

        The port is never destroyed while pjsua2 lives: measured, its destructor segfaults now and
        then. pjsua2 frees the port's memory at once, but the conference bridge removes ports
        asynchronously on its clock thread, which may still call the freed port. After `libDestroy`
        the destructor would call into a destroyed pjsua. So the port is made silent and handed to
        C++ (`__disown__`): it leaks, a few hundred bytes per engine start, and `libDestroy` takes it
        off the bridge with everything else.
        """
        port, self.port = self.port, None
        if port is not None:
            port.retire()
            port.__disown__()

    def summary(self) -> str:
        """Underruns and drops of both directions (for the log)."""
        speaker, microphone = self.speaker, self.microphone
        return (f"speaker: {speaker.underruns} underruns, {speaker.dropped_bytes} bytes dropped; "
                f"microphone: {microphone.underruns} underruns, {microphone.dropped_bytes} bytes dropped")

    def close(self) -> None:
        """Stop and release the stream."""
        if self._running:
            self._running = False
            self._stream.stop()
        self._stream.close()


class BridgePort(pj.AudioMediaPort):  # type: ignore[misc]
    """The conference-bridge port of the headset; both callbacks run on pjsua2's clock thread."""

    def __init__(self, bridge: AudioBridge) -> None:
        super().__init__()
        self._bridge: AudioBridge | None = bridge

    def retire(self) -> None:
        """From now on, hear nothing and send silence (the port outlives the engine, see `detach`)."""
        self._bridge = None

    # An exception must never reach SWIG (it would only be printed to stderr, 50 times a second).

    def onFrameReceived(self, frame: Any) -> None:
        bridge = self._bridge
        if bridge is not None:
            with contextlib.suppress(Exception):
                bridge.frame_received(frame)

    def onFrameRequested(self, frame: Any) -> None:
        bridge = self._bridge
        with contextlib.suppress(Exception):
            if bridge is not None:
                bridge.frame_requested(frame)
            else:
                frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
                frame.size = 0


# ------------------------------------------------------------------------------ devices


def describe_devices(devices: Sequence[Mapping[str, Any]]) -> str:
    """One line per device: index, name, input and output channels."""
    if not devices:
        return "PortAudio sees no sound device"
    return "; ".join(
        f"{index} {device['name']!r} (in {int(device['max_input_channels'])}, "
        f"out {int(device['max_output_channels'])})"
        for index, device in enumerate(devices)
    )


def pick_device(spec: str | int | None, kind: DeviceKind, devices: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the device `spec` names (None or "default": PortAudio's default, returned as None).

    `spec` is an index, an exact name or a part of a name (case-insensitive); the device must have
    channels of `kind`. Raises AudioDeviceError listing every device when nothing fits.
    """
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    if not devices:
        raise AudioDeviceError(f"no {kind} device: PortAudio sees no sound device")
    usable = [i for i, device in enumerate(devices) if int(device[channels]) > 0]
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "default")):
        if not usable:
            raise AudioDeviceError(f"no {kind} device among: {describe_devices(devices)}")
        return None
    text = str(spec).strip()
    if text.isdigit():
        index = int(text)
        if index in usable:
            return index
        raise AudioDeviceError(f"{kind} device {index} does not exist or has no {kind} channels; "
                               f"devices: {describe_devices(devices)}")
    wanted = text.lower()
    exact = [i for i in usable if str(devices[i]["name"]).lower() == wanted]
    partial = [i for i in usable if wanted in str(devices[i]["name"]).lower()]
    if exact or partial:
        return (exact or partial)[0]
    raise AudioDeviceError(f"no {kind} device matches {text!r}; devices: {describe_devices(devices)}")


def open_bridge(input_device: str | None, output_device: str | None,
                stream_factory: StreamFactory | None = None,
                devices: Sequence[Mapping[str, Any]] | None = None) -> AudioBridge:
    """Resolve the devices, open and start the stream; AudioDeviceError says what went wrong.

    With a `stream_factory` (tests, other back ends) and no `devices`, the device names are passed
    through unresolved (as None when "default").
    """
    if stream_factory is None or devices is not None:
        if devices is None:
            sd = _sounddevice()
            devices = list(sd.query_devices())
        input_index = pick_device(input_device, "input", devices)
        output_index = pick_device(output_device, "output", devices)
    else:
        input_index = output_index = None
    if stream_factory is None:
        stream_factory = _sounddevice().RawStream
    try:
        bridge = AudioBridge(stream_factory, input_index, output_index)
        bridge.start()
    except AudioDeviceError:
        raise
    except Exception as exc:  # PortAudio's own errors: unsupported rate, busy device...
        raise AudioDeviceError(f"cannot open the sound devices: {exc}") from None
    return bridge


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the module is there but PortAudio is not
        raise AudioDeviceError(
            f"no audio support ({exc}): install the audio extra (pip install 'agent-tui[audio]') "
            "and PortAudio (Debian: libportaudio2), or use null audio"
        ) from None
    return sounddevice
