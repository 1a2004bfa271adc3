"""The bridge between pjsua2's conference bridge and a real headset through PortAudio (`sounddevice`).

pjsua2 here has no sound device compiled in: the null device clocks the conference bridge, and a
`pj.AudioMediaPort` subclass (`BridgePort`) is one more port on it. Calls transmit to that port
(`onFrameReceived`: what the agent hears) and it transmits into calls (`onFrameRequested`: the
microphone). A PortAudio duplex stream runs on its own clock; two small jitter buffers sit between
the two clocks (`jitter_buffer`). An empty buffer plays silence (and refills a few frames before it
plays again); a full one drops its oldest audio, and audio that stood a whole second unneeded is
trimmed, so the delay stays short (measured: `bench.audio_latency`, docs/performance.md).

Audio format everywhere: 16 kHz, mono, signed 16-bit little-endian, 20 ms frames (640 bytes).

Devices are opened before pjsua2 starts, so a wrong device name fails the start cleanly (no half
initialised pjsua2). The stream itself is made by a factory (`SplitStream` over `sounddevice` by
default) so tests can drive the bridge with a fake duplex stream and the real pjsua2 frame callbacks.

A device is named as PortAudio names it, or as the sound server does (see `sound_server`): the
server's sinks and sources are reached through PortAudio's "pulse" device. `switch` reopens the
stream on other devices while calls go on: the conference port and both jitter buffers stay, so
pjsua2 sees nothing but a few frames of silence.

When the devices go away mid-call (a headset pulled out; a sound server over `ssh -R` whose forward
died, see docs/thin-terminals.md), the streams stop calling back: `watch` notices the stall (the rule
and its timings are in `stall_rule`) and opens them again until they open; the calls stay up
meanwhile, both jitter buffers keep their audio, and `news` tells the engine when the devices were
lost and when they came back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pjsua2 as pj

from agent_tui.phone import sound_server
from agent_tui.phone.device_choice import (
    DEFAULT_DEVICE,
    DeviceChoice,
    portaudio_devices,
    resolve_device,
    resolve_pair,
    sounddevice_module,
)

# Explicit re-exports: the tests of the bridge know them from here.
from agent_tui.phone.device_choice import AudioDeviceError as AudioDeviceError
from agent_tui.phone.device_choice import pick_device as pick_device
from agent_tui.phone.events import AudioDeviceBack, AudioDeviceLost, AudioDevicesChanged

# The format and the buffers live in `jitter_buffer`; the bridge's users know them from here.
from agent_tui.phone.jitter_buffer import FRAME_BYTES as FRAME_BYTES
from agent_tui.phone.jitter_buffer import FRAME_MS as FRAME_MS
from agent_tui.phone.jitter_buffer import FRAME_SAMPLES as FRAME_SAMPLES
from agent_tui.phone.jitter_buffer import SAMPLE_RATE as SAMPLE_RATE
from agent_tui.phone.jitter_buffer import JitterBuffer as JitterBuffer
from agent_tui.phone.stall_rule import StallRule

RETIRE_WAIT_S = 0.5
"""How long `watch` waits for a stalled stream to let go of its devices before it opens them again.
Measured through ALSA's pulse plugin when the server's connection died (the forward of `ssh -R`
killed): PortAudio's thread may spin on a dead poll, and `stop()` (which waits for that thread to
finish its loop) then never returned; `abort()` cancels the thread. It runs on a thread of its own
all the same, so a stream that hangs even there costs that thread, never the engine's."""

class SoundStream(Protocol):
    """What the bridge needs of a PortAudio stream (`SplitStream` or `sounddevice.RawStream` fit)."""

    def start(self) -> None:
        """Begin calling the callback."""

    def stop(self) -> None:
        """Stop calling the callback (waits for the running call to end)."""

    def close(self) -> None:
        """Release the device."""

    # Optional: `abort()`, stop at once without waiting for the running callback (`_retire` uses it).


StreamFactory = Callable[..., SoundStream]
"""Called like `sounddevice.RawStream(samplerate=, blocksize=, channels=, dtype=, device=, callback=)`
(`SplitStream` by default)."""


class AudioBridge:
    """Moves audio between the conference bridge (pjsua2 frames) and a PortAudio duplex stream.

    `speaker` holds what calls send to the agent, `microphone` what the agent says into calls.
    """

    def __init__(self, stream_factory: StreamFactory, input_device: int | DeviceChoice | None,
                 output_device: int | DeviceChoice | None) -> None:
        self.speaker = JitterBuffer()
        self.microphone = JitterBuffer()
        self.port: BridgePort | None = None
        self.factory = stream_factory
        """Makes the streams (`SplitStream`, or a test's fake)."""
        self.input = _choice(input_device)
        """The microphone in use."""
        self.output = _choice(output_device)
        """The earpiece in use."""
        self._stream: SoundStream | None = self._open(self.input, self.output)
        """None while the devices are away (`watch` let go of the stalled stream, none opened yet)."""
        self._running = False
        self.heard_at = self.played_at = time.monotonic()
        """When the microphone and the earpiece last called back (for the log and the tests)."""
        self.stall_rule = StallRule(self.heard_at)
        """Judges, from the block counts, when a stream is dead (see `stall_rule`)."""
        self.blocks_in = self.blocks_out = 0
        self.reopened = 0
        """Times `watch` opened the devices again."""
        self.away: str | None = None
        """Why the devices would not open again after a stall (None: they are in use). Set and
        cleared by `watch`; `news` turns a change of it into an event."""

    def _open(self, input_device: DeviceChoice, output_device: DeviceChoice) -> SoundStream:
        with sound_server.aimed_at(input_device.server_name, output_device.server_name):
            return self.factory(
                samplerate=SAMPLE_RATE,
                blocksize=FRAME_SAMPLES,
                channels=1,
                dtype="int16",
                device=(input_device.index, output_device.index),
                callback=self.stream_callback,
            )

    def switch(self, input_device: DeviceChoice, output_device: DeviceChoice) -> None:
        """Move the headset to other devices while calls go on (any thread but PortAudio's).

        The old stream closes first (a USB headset may not open twice). When the new devices will
        not open, the old ones are opened again and AudioDeviceError says why.
        """
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        try:
            self._stream = self._open(input_device, output_device)
            self._stream.start()
        except Exception as exc:
            if self._stream is not None:
                with contextlib.suppress(Exception):
                    self._stream.close()
            self._stream = None
            if self.away is None:  # the old devices were in use: take them again
                self._stream = self._open(self.input, self.output)
                self._stream.start()
            raise AudioDeviceError(
                f"cannot open {input_device.label!r} / {output_device.label!r}: {exc}") from None
        self.input, self.output = input_device, output_device
        self.away = None
        self.stall_rule.opened(time.monotonic(), (self.blocks_in, self.blocks_out))

    # ------------------------------------------------------------ PortAudio side

    def stream_callback(self, indata: Any, outdata: Any, frames: int, stamp: Any, status: Any) -> None:
        """PortAudio's callback (its own thread): microphone in, call audio out (either may be None:
        `SplitStream` calls it once per direction)."""
        now = time.monotonic()
        if indata is not None:
            self.microphone.write(bytes(indata))
            self.heard_at, self.blocks_in = now, self.blocks_in + 1
        if outdata is not None:
            outdata[:] = self.speaker.read(len(outdata))
            self.played_at, self.blocks_out = now, self.blocks_out + 1

    def watch(self, now: float) -> bool:
        """Open the devices again when `stall_rule` judges the stream dead, or, while they would not
        open, when it is time to try again (engine thread, every loop turn); True when it did.

        The jitter buffers are not touched: what the caller said while the stream was dead plays
        (up to their capacity) once the new stream runs."""
        if not self._running:
            return False
        rule = self.stall_rule
        if self._stream is None:
            if not rule.retry_due(now):
                return False
        elif not rule.stalled(now, (self.blocks_in, self.blocks_out)):
            return False
        self.reopened += 1
        if self._stream is not None:
            _retire(self._stream)
            self._stream = None
        try:
            stream = self._open(self.input, self.output)
            stream.start()
            self._stream = stream
        except Exception as exc:
            self.away = str(exc) or type(exc).__name__
            rule.open_failed(now)
            return False
        self.away = None
        rule.opened(now, (self.blocks_in, self.blocks_out))
        return True

    def news(self, away_before: str | None) -> AudioDeviceLost | AudioDeviceBack | None:
        """What changed since `away` was `away_before` (read before `watch`): the devices went away,
        came back, or nothing to say. A stall that one reopen cures is not news (see `watch`)."""
        if away_before is None and self.away is not None:
            return AudioDeviceLost(input=self.input.label, output=self.output.label, detail=self.away)
        if away_before is not None and self.away is None:
            return AudioDeviceBack(input=self.input.label, output=self.output.label)
        return None

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
        assert self._stream is not None, "the bridge was closed"
        self._stream.start()
        self._running = True
        self.stall_rule.opened(time.monotonic(), (self.blocks_in, self.blocks_out))

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
        return (f"speaker: {self.blocks_out} blocks, {speaker.underruns} underruns, "
                f"{speaker.dropped_bytes} bytes dropped; microphone: {self.blocks_in} blocks, "
                f"{microphone.underruns} underruns, {microphone.dropped_bytes} bytes dropped; "
                f"reopened {self.reopened} times")

    def close(self) -> None:
        """Stop and release the stream."""
        stream, self._stream = self._stream, None
        if stream is None:
            self._running = False
            return
        if self._running:
            self._running = False
            stream.stop()
        stream.close()


class SplitStream:
    """A capture stream and a playback stream that act as one duplex stream (the default factory).

    Why not PortAudio's duplex stream: measured through ALSA's pulse plugin, a duplex stream dies
    within seconds now and then (PortAudio's `ContinuePoll` asks the other direction's
    `snd_pcm_delay`, which the plugin fails while the server has no timing yet), and the headset
    goes silent both ways. Two streams never ask, and each direction keeps its own clock.

    `latency` is what PortAudio asks of the device ("high" is sounddevice's default). Through the
    pulse plugin "high", "low" and 0.04 s all gave 0.040 s per direction (`bench.audio_latency`),
    so the bridge keeps the default; the bench passes others to compare.
    """

    def __init__(self, *, samplerate: int, blocksize: int, channels: int, dtype: str,
                 device: tuple[int | None, int | None], callback: Callable[..., None],
                 latency: float | str = "high") -> None:
        sd = sounddevice_module()
        common: dict[str, Any] = {"samplerate": samplerate, "blocksize": blocksize, "channels": channels,
                                  "dtype": dtype, "latency": latency}

        def heard(indata: Any, frames: int, stamp: Any, status: Any) -> None:
            callback(indata, None, frames, stamp, status)

        def played(outdata: Any, frames: int, stamp: Any, status: Any) -> None:
            callback(None, outdata, frames, stamp, status)

        self._input = sd.RawInputStream(device=device[0], callback=heard, **common)
        try:
            self._output = sd.RawOutputStream(device=device[1], callback=played, **common)
        except Exception:
            self._input.close()
            raise

    def start(self) -> None:
        """Start both directions."""
        self._input.start()
        self._output.start()

    def stop(self) -> None:
        """Stop both directions (each waits for its running callback)."""
        try:
            self._input.stop()
        finally:
            self._output.stop()

    def abort(self) -> None:
        """Stop both directions at once (PortAudio cancels their threads)."""
        try:
            self._input.abort()
        finally:
            self._output.abort()

    def close(self) -> None:
        """Release both devices."""
        try:
            self._input.close()
        finally:
            self._output.close()


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


def _retire(stream: SoundStream) -> None:
    """Abort and close a stalled stream, waiting at most RETIRE_WAIT_S (see there)."""

    def let_go() -> None:
        # A stream without `abort` (a test's fake) is stopped instead.
        with contextlib.suppress(Exception):
            getattr(stream, "abort", stream.stop)()
        with contextlib.suppress(Exception):
            stream.close()

    worker = threading.Thread(target=let_go, name="sound-retire", daemon=True)
    worker.start()
    worker.join(RETIRE_WAIT_S)


# ------------------------------------------------------------------------------ devices


def _choice(device: int | DeviceChoice | None) -> DeviceChoice:
    if isinstance(device, DeviceChoice):
        return device
    return DEFAULT_DEVICE if device is None else DeviceChoice(index=device, label=str(device))


def switch_headset(bridge: AudioBridge, input_device: str | None,
                   output_device: str | None) -> AudioDevicesChanged:
    """Resolve and switch to these devices (None keeps that direction's device); what is in use now."""
    devices = portaudio_devices()
    server = sound_server.list_devices()
    new_input = (bridge.input if input_device is None
                 else resolve_device(input_device, "input", devices, server))
    new_output = (bridge.output if output_device is None
                  else resolve_device(output_device, "output", devices, server))
    bridge.switch(new_input, new_output)
    return AudioDevicesChanged(input=new_input.label, output=new_output.label)


def open_bridge(input_device: str | None, output_device: str | None,
                stream_factory: StreamFactory | None = None,
                devices: Sequence[Mapping[str, Any]] | None = None) -> AudioBridge:
    """Resolve the devices, open and start the stream; AudioDeviceError says what went wrong.

    With a `stream_factory` (tests, other back ends) and no `devices`, the device names are passed
    through unresolved (as None when "default").
    """
    if stream_factory is None or devices is not None:
        if devices is None:
            devices = portaudio_devices(rescan=True)
        choices = resolve_pair(input_device, output_device, devices)
    else:
        choices = (DEFAULT_DEVICE, DEFAULT_DEVICE)
    if stream_factory is None:
        stream_factory = SplitStream
    try:
        bridge = AudioBridge(stream_factory, *choices)
        bridge.start()
    except AudioDeviceError:
        raise
    except Exception as exc:  # PortAudio's own errors: unsupported rate, busy device...
        raise AudioDeviceError(f"cannot open the sound devices: {exc}") from None
    return bridge
