"""The sound devices an agent can choose from, for `agent-tui audio list` and the desk's device picker.

The sound server's sinks and sources come first, by the server's own names (what the agent's desktop
sound settings show); then PortAudio's devices (ALSA's, when there is no sound server). Each
option's `name` is what `[audio]` and `PhoneEngine.switch_audio` take. A sink's monitor is left out:
it hears the speaker, not the agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agent_tui.phone import sound_server
from agent_tui.phone.device_choice import AudioDeviceError, portaudio_devices, sounddevice_module
from agent_tui.phone.sound_presence import sound_may_be_present
from agent_tui.phone.sound_server import DeviceKind


@dataclass(frozen=True)
class DeviceOption:
    """One device to offer."""

    kind: DeviceKind
    name: str
    """What to configure or switch to."""
    description: str
    """What to show next to the name."""
    origin: Literal["server", "portaudio"]


@dataclass(frozen=True)
class DeviceListing:
    """Every option, and why a part is missing (no sound server, no PortAudio)."""

    options: tuple[DeviceOption, ...]
    problems: tuple[str, ...] = ()

    def of(self, kind: DeviceKind) -> list[DeviceOption]:
        """The inputs or the outputs."""
        return [option for option in self.options if option.kind == kind]


def sound_available() -> bool:
    """Whether this machine has sound devices to use (PortAudio installed and seeing a microphone and
    an earpiece; a sound server that came up after PortAudio counts). Without them the desk's phone
    runs headless (null audio) instead of failing to start. A machine with nothing PortAudio could
    find (`sound_presence`) answers False without starting PortAudio."""
    if not sound_may_be_present():
        return False
    try:
        devices = portaudio_devices(rescan=True)
    except AudioDeviceError:
        return False
    if not (any(int(device["max_input_channels"]) > 0 for device in devices)
            and any(int(device["max_output_channels"]) > 0 for device in devices)):
        return False
    # Listed is not usable: PortAudio keeps the list it made when it started, so a sound server that
    # went away since (or an ALSA plugin with no server behind it) still shows devices. The default
    # devices must open.
    sd = sounddevice_module()
    try:
        sd.check_input_settings(channels=1, samplerate=16000)
        sd.check_output_settings(channels=1, samplerate=16000)
    except Exception:
        return False
    return True


def listing(server: Sequence[sound_server.ServerDevice] | None = None,
            devices: Sequence[Mapping[str, Any]] | None = None, monitors: bool = False) -> DeviceListing:
    """What there is to choose from now (asks the sound server and PortAudio unless given);
    `monitors` keeps the sinks' monitor sources (tests feed a microphone through one)."""
    problems: list[str] = []
    if server is None:
        server = sound_server.list_devices()
        if server is None:
            problems.append("no sound server answered (PulseAudio or PipeWire, with pactl)")
    if devices is None:
        try:
            devices = portaudio_devices()
        except AudioDeviceError as exc:
            problems.append(str(exc))
            devices = []
    options = [DeviceOption(d.kind, d.name, d.description, "server")
               for d in server or () if monitors or not d.monitor]
    for device in devices:
        name = str(device["name"])
        for kind, channels in (("input", "max_input_channels"), ("output", "max_output_channels")):
            if int(device[channels]) > 0:
                options.append(DeviceOption(
                    kind, name, f"PortAudio, {int(device[channels])} channels", "portaudio"))  # type: ignore[arg-type]
    return DeviceListing(tuple(options), tuple(problems))
