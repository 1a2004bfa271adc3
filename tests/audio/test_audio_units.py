"""The audio parts without a sound server: device names, resolution, switching, the ringer, settings."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agent_tui.config import Settings
from agent_tui.phone import audio_bridge, sound_server
from agent_tui.phone.audio_bridge import FRAME_BYTES, AudioBridge
from agent_tui.phone.audio_devices import listing
from agent_tui.phone.device_choice import AudioDeviceError, DeviceChoice, resolve_device
from agent_tui.phone.events import CallEnded, CallState, IncomingCall
from agent_tui.phone.from_settings import engine_options
from agent_tui.phone.ringer import Ringer, open_ringer, read_tone, scaled
from agent_tui.phone.stall_rule import RETRY_S, START_S
from agent_tui.ui.desk.audio_devices import AudioChoice, picker_rows
from tests.phone.fake_sound import FakeSoundCard
from tests.support.audio_checks import write_tone_wav

PACTL = {
    "sinks": [
        {"name": "alsa_output.usb-Jabra_Evolve_40-00.analog-stereo", "description": "Jabra Evolve 40 Stereo",
         "properties": {"device.class": "sound"}},
        {"name": "alsa_output.pci-0000_00_1f.3.analog-stereo", "description": "Built-in Audio Analog Stereo"},
    ],
    "sources": [
        {"name": "alsa_output.usb-Jabra_Evolve_40-00.analog-stereo.monitor",
         "description": "Monitor of Jabra Evolve 40 Stereo", "properties": {"device.class": "monitor"}},
        {"name": "alsa_input.usb-Jabra_Evolve_40-00.mono-fallback", "description": "Jabra Evolve 40 Mono"},
    ],
}
PORTAUDIO: list[dict[str, Any]] = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "max_input_channels": 2, "max_output_channels": 2},
    {"name": "pulse", "max_input_channels": 32, "max_output_channels": 32},
    {"name": "default", "max_input_channels": 32, "max_output_channels": 32},
]


def fake_pactl(argv: Sequence[str]) -> str:
    assert list(argv[:3]) == ["pactl", "--format=json", "list"]
    return json.dumps(PACTL[argv[3]])


def server() -> list[sound_server.ServerDevice]:
    found = sound_server.list_devices(fake_pactl)
    assert found is not None
    return found


def test_the_sound_servers_devices_by_their_names_descriptions_or_parts() -> None:
    devices = server()
    assert [(d.kind, d.monitor) for d in devices] == [("output", False), ("output", False),
                                                        ("input", True), ("input", False)]
    jabra_in = sound_server.find("jabra", "input", devices)
    assert jabra_in is not None
    assert jabra_in.name == "alsa_input.usb-Jabra_Evolve_40-00.mono-fallback"
    assert sound_server.find("Built-in Audio Analog Stereo", "output", devices) == devices[1]
    monitor = "alsa_output.usb-Jabra_Evolve_40-00.analog-stereo.monitor"
    assert sound_server.find(monitor, "input", devices) == devices[2]  # a monitor only by its exact name
    assert sound_server.find("nowhere", "output", devices) is None


def test_no_sound_server_or_an_unreadable_answer_is_none() -> None:
    def refused(argv: Sequence[str]) -> str:
        raise OSError("Connection refused")

    assert sound_server.list_devices(refused) is None
    assert sound_server.list_devices(lambda argv: "not json") is None


def test_resolution_reaches_server_devices_through_portaudios_pulse_device() -> None:
    devices = server()
    choice = resolve_device("Jabra", "output", PORTAUDIO, devices)
    assert choice == DeviceChoice(index=1, server_name="alsa_output.usb-Jabra_Evolve_40-00.analog-stereo",
                                  label="alsa_output.usb-Jabra_Evolve_40-00.analog-stereo")
    assert resolve_device("ALC3246", "input", PORTAUDIO, devices) == DeviceChoice(
        index=0, label="HDA Intel PCH: ALC3246 Analog (hw:0,0)")  # PortAudio's own name
    assert resolve_device("0", "output", PORTAUDIO, devices).index == 0  # an index is PortAudio's
    assert resolve_device("default", "output", PORTAUDIO, devices) == DeviceChoice()
    with pytest.raises(AudioDeviceError, match="Debian libasound2-plugins"):
        resolve_device("Jabra", "output", PORTAUDIO[:1], devices)  # no ALSA pulse plugin


def test_aiming_sets_the_pulse_variables_only_around_the_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SINK", "user-choice")
    monkeypatch.delenv("PULSE_SOURCE", raising=False)
    with sound_server.aimed_at("mic", None):
        assert os.environ.get("PULSE_SOURCE") == "mic"
        assert "PULSE_SINK" not in os.environ
    assert os.environ.get("PULSE_SINK") == "user-choice"
    assert "PULSE_SOURCE" not in os.environ


def test_switch_reopens_the_stream_and_keeps_the_old_devices_when_the_new_fail() -> None:
    cards: list[FakeSoundCard] = []
    failing = {"speaker"}

    def factory(**kwargs: Any) -> FakeSoundCard:
        if os.environ.get("PULSE_SINK") in failing:
            raise RuntimeError("Device unavailable")
        cards.append(FakeSoundCard())
        cards[-1].env = os.environ.get("PULSE_SINK")  # type: ignore[attr-defined]
        return cards[-1].factory(**kwargs)

    headset = DeviceChoice(index=1, server_name="headset", label="headset")
    bridge = AudioBridge(factory, DeviceChoice(), headset)
    bridge.start()
    bridge.speaker.write(bytes([5]) * FRAME_BYTES * 3)  # call audio in flight survives the switch
    bridge.switch(DeviceChoice(), DeviceChoice(index=1, server_name="desk", label="desk"))
    assert cards[0].closed
    assert not cards[1].closed
    assert cards[1].env == "desk"  # type: ignore[attr-defined]
    assert bridge.output.label == "desk"
    assert len(bridge.speaker) == FRAME_BYTES * 3
    with pytest.raises(AudioDeviceError, match="cannot open 'default' / 'speaker': Device unavailable"):
        bridge.switch(DeviceChoice(), DeviceChoice(index=1, server_name="speaker", label="speaker"))
    assert bridge.output.label == "desk"  # back on the devices that worked
    assert cards[1].closed
    assert cards[2].env == "desk"
    assert cards[2].started.is_set()
    bridge.close()


class FakeOutput:
    """A PortAudio output stream that plays blocks when the test asks."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True

    def block(self) -> bytes:
        out = bytearray(self.kwargs["blocksize"] * 2)
        self.kwargs["callback"](memoryview(out), self.kwargs["blocksize"], None, None)
        return bytes(out)


def test_the_ringer_rings_while_a_call_rings_in_and_loops_its_tone(tmp_path: Path) -> None:
    streams: list[FakeOutput] = []

    def factory(**kwargs: Any) -> FakeOutput:
        streams.append(FakeOutput(**kwargs))
        return streams[-1]

    tone = write_tone_wav(tmp_path / "ring.wav", 800, 0.03, rate=8000, amplitude=0.5)  # 240 samples
    ringer = open_ringer(factory, DeviceChoice(index=3, label="speaker"), tone, 0.5)
    ringer.on_event(CallState(call_id="out", state="confirmed"))
    assert not streams  # nothing rings
    ringer.on_event(IncomingCall("a", "100", "", {}, "sip:100@x", at=None))  # type: ignore[arg-type]
    ringer.on_event(IncomingCall("b", "101", "", {}, "sip:101@x", at=None))  # type: ignore[arg-type]
    assert len(streams) == 1
    assert streams[0].started
    assert streams[0].kwargs["samplerate"] == 8000
    assert streams[0].kwargs["device"] == 3
    samples, _ = read_tone(tone)
    expected = scaled(samples, 0.5)
    played = streams[0].block() + streams[0].block()  # 2 x 160 samples: the 240-sample tone loops
    assert played == (expected + expected)[: len(played)]
    assert max(abs(int.from_bytes(played[i:i + 2], "little", signed=True)) for i in range(0, 320, 2)) < 8300
    ringer.on_event(CallState(call_id="a", state="confirmed"))
    assert ringer.playing  # b still rings
    ringer.on_event(CallEnded(call_id="b", reason="cancelled", code=487, duration_s=0.0))
    assert not ringer.playing
    assert streams[0].closed


def test_a_ring_device_that_will_not_open_does_not_stop_the_call() -> None:
    def broken(**kwargs: Any) -> FakeOutput:
        raise RuntimeError("Device unavailable")

    ringer = Ringer(broken, DeviceChoice(), b"\x01\x00" * 100, 16000)
    ringer.on_event(IncomingCall("a", "100", "", {}, "sip:100@x", at=None))  # type: ignore[arg-type]
    assert not ringer.playing
    assert ringer.failures == 1
    ringer.close()


def test_a_bad_ring_file_fails_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "ring.wav"
    bad.write_bytes(b"RIFF....")
    with pytest.raises(AudioDeviceError, match="cannot read the ring tone"):
        open_ringer(FakeOutput, DeviceChoice(), bad, 0.8)


def test_settings_reach_the_engine() -> None:
    settings = Settings.model_validate({"audio": {"capture_device": "Jabra", "playback_device": "Jabra",
                                                  "ring_device": "Built-in", "ring_volume": 0.3,
                                                  "ring_file": "~/ring.wav"}})
    options = engine_options(settings, lambda user, domain: None, headless=False)
    assert (options.null_audio, options.output_device, options.ring_device) == (False, "Jabra", "Built-in")
    assert options.ring_volume == 0.3
    assert options.ring_file == Path("~/ring.wav").expanduser()
    silent = Settings.model_validate({"audio": {"ring_device": "null"}})
    assert engine_options(silent, lambda user, domain: None, headless=False).ring_device is None
    assert engine_options(settings, lambda user, domain: None).ring_device is None  # headless
    with pytest.raises(ValueError, match="ring_volume"):
        Settings.model_validate({"audio": {"ring_volume": 1.5}})


def test_the_picker_offers_server_devices_without_monitors_then_portaudios() -> None:
    found = listing(server=server(), devices=PORTAUDIO[:1])
    rows = picker_rows(found)
    assert [(choice, kind) for choice, kind, _ in rows] == [
        (AudioChoice("output", "alsa_output.usb-Jabra_Evolve_40-00.analog-stereo"), "Earpiece"),
        (AudioChoice("output", "alsa_output.pci-0000_00_1f.3.analog-stereo"), "Earpiece"),
        (AudioChoice("output", "HDA Intel PCH: ALC3246 Analog (hw:0,0)"), "Earpiece"),
        (AudioChoice("input", "alsa_input.usb-Jabra_Evolve_40-00.mono-fallback"), "Microphone"),
        (AudioChoice("input", "HDA Intel PCH: ALC3246 Analog (hw:0,0)"), "Microphone"),
    ]
    assert rows[0][2] == "Jabra Evolve 40 Stereo  (alsa_output.usb-Jabra_Evolve_40-00.analog-stereo)"
    assert found.problems == ()




def test_a_stalled_direction_reopens_the_devices_until_they_come_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    t0 = 1000.0
    monkeypatch.setattr(audio_bridge, "time", SimpleNamespace(monotonic=lambda: t0))  # opened at t0
    made: list[FakeOutput] = []
    away = {"now": False}

    def factory(**kwargs: Any) -> FakeOutput:
        if away["now"]:
            raise RuntimeError("Device unavailable")
        made.append(FakeOutput(**kwargs))
        return made[-1]

    bridge = AudioBridge(factory, DeviceChoice(), DeviceChoice())
    bridge.start()

    def turn(at: float) -> bool:
        """One engine turn (every 50 ms): only the earpiece plays, the microphone says nothing."""
        bridge.stream_callback(None, memoryview(bytearray(FRAME_BYTES)), 320, None, None)
        return bridge.watch(at)

    # A fresh stream is given START_S before it is judged; the microphone never started, and its
    # device is gone for now: the stream is given up once, and the devices tried every RETRY_S.
    assert not any(turn(t0 + n * 0.05) for n in range(1, round(START_S / 0.05)))
    away["now"] = True
    assert turn(t0 + START_S + 0.05) is False
    assert made[0].closed
    assert bridge.reopened == 1
    assert not any(bridge.watch(t0 + START_S + 0.05 + n * 0.05) for n in range(1, round(RETRY_S / 0.05)))
    assert bridge.reopened == 1
    away["now"] = False
    assert bridge.watch(t0 + START_S + 0.1 + RETRY_S) is True
    assert len(made) == 2
    assert made[1].started
    assert bridge.reopened == 2
    assert "reopened 2 times" in bridge.summary()
    bridge.close()
