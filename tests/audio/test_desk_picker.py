"""The desk's sound device picker, by keys: ctrl+o, pick a device, the phone switches; the desk says so."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from agent_tui.phone.audio_devices import DeviceListing, DeviceOption
from agent_tui.phone.events import AudioDevicesChanged
from agent_tui.ui.desk import audio_devices as picker_module
from agent_tui.ui.desk.audio_devices import AudioDeviceScreen
from tests.ui.doubles import FakePhone
from tests.ui.helpers import make_app, popped, screen_text, wait_until


class SwitchingPhone(FakePhone):
    """The desk's fake phone, with the headset command."""

    def switch_audio(self, output: str | None, input_device: str | None = None) -> None:
        self._record("switch_audio", output, input_device)


DEVICES = DeviceListing((
    DeviceOption("output", "alsa_output.usb-Jabra", "Jabra Evolve 40", "server"),
    DeviceOption("output", "alsa_output.pci-builtin", "Built-in Speaker", "server"),
    DeviceOption("input", "alsa_input.usb-Jabra", "Jabra Evolve 40 Mono", "server"),
))


async def test_ctrl_o_mid_call_moves_the_earpiece_and_the_desk_says_where(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picker_module, "listing", lambda: DEVICES)
    phone = SwitchingPhone()
    app, _, _, _ = make_app(phone=phone)
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c1")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, AudioDeviceScreen)
                         and app.screen.query_one(OptionList).option_count == 3)
        text = screen_text(app)
        assert "Built-in Speaker  (alsa_output.pci-builtin)" in text
        await pilot.press("down", "enter")  # the second earpiece
        await wait_until(pilot, lambda: "switch_audio" in phone.names())
        assert phone.commands[-1] == ("switch_audio", ("alsa_output.pci-builtin", None))
        assert app.desk.active_id == "c1"  # the call is still the desk's call
        phone.emit(AudioDevicesChanged(input="alsa_input.usb-Jabra", output="alsa_output.pci-builtin"))
        await wait_until(pilot, lambda: "alsa_output.pci-builtin" in " ".join(
            str(n.message) for n in app._notifications))
        # The microphone.
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, AudioDeviceScreen)
                         and app.screen.query_one(OptionList).option_count == 3)
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: phone.commands[-1][0] == "switch_audio"
                         and phone.commands[-1][1] == (None, "alsa_input.usb-Jabra"))




async def test_device_names_with_brackets_are_shown_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """ALSA and PortAudio names carry brackets ("USB Audio [hw:1,0]"): they are the device's data,
    never markup (`[/]` would stop the desk; `[b]` would hide part of the name)."""
    hostile = DeviceListing((
        DeviceOption("output", "hw:1,0", "USB Audio [hw:1,0]", "portaudio"),
        DeviceOption("output", "odd[/]", "Headset [/] [b]bold[/b]", "portaudio"),
    ))
    monkeypatch.setattr(picker_module, "listing", lambda: hostile)
    app, _, _, _ = make_app(phone=SwitchingPhone())
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, AudioDeviceScreen)
                         and app.screen.query_one(OptionList).option_count == 2)
        text = screen_text(app)
        assert "USB Audio [hw:1,0]  (hw:1,0)" in text
        assert "Headset [/] [b]bold[/b]  (odd[/])" in text
