"""The desk asks PortAudio for sound devices only on a machine that could have one (sound_presence)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_tui.config import Settings
from agent_tui.phone import audio_devices, desk_phone
from agent_tui.phone.sound_presence import sound_may_be_present


def bare(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A machine with nothing: an empty /dev (a libjack metadata folder only), an empty home, and
    PulseAudio's client.conf as Debian ships it (every setting commented out)."""
    dev, home = tmp_path / "machine" / "dev", tmp_path / "machine" / "user"
    (dev / "shm" / "jack_db-0").mkdir(parents=True)
    home.mkdir()
    touch(etc(tmp_path) / "pulse" / "client.conf")
    (etc(tmp_path) / "pulse" / "client.conf").write_text("; default-server =\n# autospawn = yes\n")
    return dev, home, {"XDG_RUNTIME_DIR": str(tmp_path / "machine" / "run"), "HOME": str(home)}


def etc(tmp_path: Path) -> Path:
    """The machine's /etc."""
    return tmp_path / "machine" / "etc"


def touch(path: Path) -> None:
    """An empty file (a socket's stand-in), its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def test_a_machine_with_nothing_has_no_sound(tmp_path: Path) -> None:
    dev, home, env = bare(tmp_path)
    assert not sound_may_be_present(env, dev, home, etc(tmp_path))


def server_in(path: Path) -> None:
    """A client.conf naming a sound server elsewhere."""
    touch(path)
    path.write_text("autospawn = no\ndefault-server = tcp:10.0.0.7:4713  ; the agent's PC\n")


SIGNS: dict[str, Callable[[Path, Path, dict[str, str]], object]] = {
    "sound card": lambda dev, home, env: (dev / "snd").mkdir(),
    "jack server": lambda dev, home, env: touch(dev / "shm" / "jack_default_0_0"),
    "PULSE_SERVER": lambda dev, home, env: env.update(PULSE_SERVER="tcp:127.0.0.1:4713"),
    "ALSA_CONFIG_PATH": lambda dev, home, env: env.update(ALSA_CONFIG_PATH="/somewhere/asound.conf"),
    "asoundrc": lambda dev, home, env: touch(home / ".asoundrc"),
    "pulse socket": lambda dev, home, env: touch(Path(env["XDG_RUNTIME_DIR"]) / "pulse" / "native"),
    "pipewire socket": lambda dev, home, env: touch(Path(env["XDG_RUNTIME_DIR"]) / "pipewire-0"),
    "PIPEWIRE_REMOTE": lambda dev, home, env: env.update(PIPEWIRE_REMOTE="pipewire-1"),
    "JACK_DEFAULT_SERVER": lambda dev, home, env: env.update(JACK_DEFAULT_SERVER="studio"),
    "asound.conf": lambda dev, home, env: touch(dev.parent / "etc" / "asound.conf"),
    "user's client.conf": lambda dev, home, env: server_in(home / ".config" / "pulse" / "client.conf"),
    "machine's client.conf.d": lambda dev, home, env: server_in(dev.parent / "etc" / "pulse" / "client.conf.d"
                                                                / "50-remote.conf"),
}


@pytest.mark.parametrize("sign", list(SIGNS))
def test_any_one_sign_of_sound_asks_portaudio(tmp_path: Path, sign: str) -> None:
    dev, home, env = bare(tmp_path)
    SIGNS[sign](dev, home, env)
    assert sound_may_be_present(env, dev, home, etc(tmp_path))


def test_no_sign_of_sound_leaves_portaudio_unstarted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio_devices, "sound_may_be_present", lambda: False)
    monkeypatch.setattr(audio_devices, "portaudio_devices",
                        lambda rescan=False: pytest.fail("PortAudio asked"))
    assert audio_devices.sound_available() is False


def test_null_audio_in_the_config_never_asks_for_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio_devices, "sound_available", lambda: pytest.fail("devices probed"))
    settings = Settings.model_validate({"audio": {"capture_device": "null"}})
    phone = desk_phone.build_phone(settings, None, ("127.0.0.1", 0))
    if phone is None:
        pytest.fail(f"pjsua2 missing from {sys.executable}")
    assert phone.engine.options.null_audio  # made, not started: no pjsua2 endpoint
