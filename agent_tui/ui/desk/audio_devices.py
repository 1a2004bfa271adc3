"""The sound device picker: move the earpiece or the microphone to another device, mid-call too.

The list comes from `agent_tui.phone.audio_devices.listing` (the sound server's devices by their own
names, then PortAudio's), loaded on a thread because it asks the sound server. Enter on a device
dismisses with an `AudioChoice`; `open_device_picker` sends it to the phone, which switches without
dropping the call and answers with `AudioDevicesChanged` (or an `EngineError`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.i18n import Translator
from agent_tui.phone.audio_devices import DeviceListing, listing
from agent_tui.phone.events import AudioDeviceBack, AudioDeviceLost, AudioDevicesChanged
from agent_tui.phone.sound_server import DeviceKind
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean

KIND_LABELS = {"output": "Earpiece", "input": "Microphone"}


@dataclass(frozen=True)
class AudioChoice:
    """A device the agent picked, for one direction."""

    kind: DeviceKind
    name: str


def picker_rows(found: DeviceListing) -> list[tuple[AudioChoice, str, str]]:
    """(choice, kind label, shown text) for every device: earpieces first, then microphones."""
    rows = []
    kinds: tuple[DeviceKind, ...] = ("output", "input")
    for kind in kinds:
        for option in found.of(kind):
            rows.append((AudioChoice(option.kind, option.name), KIND_LABELS[kind],
                         f"{clean(option.description, 60)}  ({clean(option.name, 80)})"))
    return rows


class AudioDeviceScreen(PanelScreen[AudioChoice | None]):
    """Pick the earpiece or the microphone; the list loads on a thread."""

    def __init__(self, load: Callable[[], DeviceListing] | None = None) -> None:
        super().__init__()
        self._load = load
        """Where the devices come from (None: the sound server and PortAudio, `listing`)."""
        self._choices: dict[str, AudioChoice] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Sound device"), classes="panel-title")
            yield Static(self.t.t("Looking for devices…"), id="audio-status", markup=False)
            yield OptionList(id="audio-devices", markup=False)  # device names carry brackets: data
            yield Static(self.t.t("Enter switches · Escape cancels"), classes="hint")

    def on_mount(self) -> None:
        """Ask the sound server off the UI thread."""
        self.run_worker(self._fetch, thread=True, group="audio-devices")

    def _fetch(self) -> None:
        found = (self._load or listing)()
        self.app.call_from_thread(self.show_listing, found)

    def show_listing(self, found: DeviceListing) -> None:
        """Fill the list (UI thread)."""
        options = []
        self._choices.clear()
        for index, (choice, kind, text) in enumerate(picker_rows(found)):
            key = f"device-{index}"
            self._choices[key] = choice
            options.append(Option(f"{self.t.t(kind)}: {text}", id=key))
        device_list = self.query_one("#audio-devices", OptionList)
        device_list.clear_options()
        device_list.add_options(options)
        if options:
            device_list.highlighted = 0
        status = "; ".join(clean(problem, 120) for problem in found.problems)
        if not options:
            status = self.t.t("No sound device found.") + (f" {status}" if status else "")
        self.query_one("#audio-status", Static).update(status)
        device_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a device."""
        self.dismiss(self._choices.get(event.option.id or ""))


def open_device_picker(app: App[Any], phone: Any) -> None:
    """Show the picker; the device picked goes to the phone (a queued command: never blocks)."""
    if phone is None:
        return

    def picked(choice: AudioChoice | None) -> None:
        if choice is None:
            return
        try:
            if choice.kind == "output":
                phone.switch_audio(choice.name)
            else:
                phone.switch_audio(None, choice.name)
        except Exception as exc:  # the phone stopped meanwhile
            app.notify(clean(str(exc), 200), severity="error")

    app.push_screen(AudioDeviceScreen(), picked)


def devices_changed_note(t: Translator, event: AudioDevicesChanged) -> str:
    """What the desk says after a switch."""
    return t.t("Earpiece: {output} · microphone: {input}", output=clean(event.output, 60),
               input=clean(event.input, 60))


def device_lost_note(t: Translator, event: AudioDeviceLost | AudioDeviceBack) -> str:
    """What the desk says when the headset goes away mid-call (the call stays up) and comes back."""
    if isinstance(event, AudioDeviceLost):
        return t.t("Sound device gone ({output}): the call stays up, you hear nothing until it is back. "
                   "Over SSH: check the forward to your sound server.", output=clean(event.output, 60))
    return t.t("Sound device back: {output}", output=clean(event.output, 60))
