"""Which device a name means: PortAudio's devices and the sound server's, resolved for one direction.

A name from the config or the device picker is "default", a PortAudio index, a sound server's
device (its name, its description, or a part of one; see `sound_server`), else a PortAudio name or
a part of one. Resolving opens nothing: the bridge and the ringer open what it returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_tui.phone import sound_server
from agent_tui.phone.sound_server import DeviceKind


class AudioDeviceError(RuntimeError):
    """No usable sound device (none at all, or none matching the configured name or index)."""


@dataclass(frozen=True)
class DeviceChoice:
    """One direction's device, resolved: a PortAudio index, and the sound server's device behind it."""

    index: int | None = None
    """PortAudio's device index (None: PortAudio's default)."""
    server_name: str | None = None
    """The sound server's sink or source, reached through PortAudio's "pulse" device."""
    label: str = "default"
    """The name to show: the server's name, PortAudio's, or "default"."""


DEFAULT_DEVICE = DeviceChoice()


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


def resolve_device(spec: str | int | None, kind: DeviceKind, devices: Sequence[Mapping[str, Any]],
                   server: Sequence[sound_server.ServerDevice] | None) -> DeviceChoice:
    """The device `spec` names: "default", a PortAudio index, a sound server's device (its name, its
    description, or part of one), else a PortAudio name (see `pick_device`)."""
    text = "" if spec is None else str(spec).strip()
    if text.lower() in ("", "default"):
        pick_device(None, kind, devices)  # raises when there is no device at all
        return DEFAULT_DEVICE
    if server and not text.isdigit():
        found = sound_server.find(text, kind, server)
        if found is not None:
            channels = "max_input_channels" if kind == "input" else "max_output_channels"
            for index, device in enumerate(devices):
                if device["name"] == sound_server.PORTAUDIO_NAME and int(device[channels]) > 0:
                    return DeviceChoice(index=index, server_name=found.name, label=found.name)
            raise AudioDeviceError(
                f"{found.name!r} is the sound server's, but PortAudio has no "
                f"{sound_server.PORTAUDIO_NAME!r} device (ALSA's pulse plugin: Debian libasound2-plugins)")
    found_index = pick_device(text, kind, devices)
    label = text if found_index is None else str(devices[found_index]["name"])
    return DeviceChoice(index=found_index, label=label)


def resolve_pair(input_device: str | None, output_device: str | None,
                 devices: Sequence[Mapping[str, Any]] | None = None,
                 server: Sequence[sound_server.ServerDevice] | None = None,
                 ) -> tuple[DeviceChoice, DeviceChoice]:
    """Both directions resolved against PortAudio's devices and the sound server's (listed when not given)."""
    if devices is None:
        devices = portaudio_devices()
    if server is None and any(
            spec is not None and str(spec).strip().lower() not in ("", "default")
            for spec in (input_device, output_device)):
        server = sound_server.list_devices()
    return (resolve_device(input_device, "input", devices, server),
            resolve_device(output_device, "output", devices, server))


def portaudio_devices(rescan: bool = False) -> list[Mapping[str, Any]]:
    """PortAudio's devices. `rescan` starts PortAudio again first, which closes every open stream:
    only before the bridge opens (PortAudio lists devices once, when it starts, so a sound server
    that came up later is missing)."""
    sd = sounddevice_module()
    devices = list(sd.query_devices())
    has_server = any(device["name"] == sound_server.PORTAUDIO_NAME for device in devices)
    if rescan and not has_server and sound_server.list_devices() is not None:
        with contextlib.suppress(Exception):
            sd._terminate()
            sd._initialize()
            devices = list(sd.query_devices())
    return devices


def sounddevice_module() -> Any:
    """The `sounddevice` module; AudioDeviceError says how to install it when it (or PortAudio) is missing."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the module is there but PortAudio is not
        raise AudioDeviceError(
            f"no audio support ({exc}): install the audio extra (pip install 'agent-tui[audio]') "
            "and PortAudio (Debian: libportaudio2), or use null audio"
        ) from None
    return sounddevice
