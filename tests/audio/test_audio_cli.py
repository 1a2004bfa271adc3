"""`agent-tui audio list|test` against a real PulseAudio (and against none)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.audio.pulse import PulseServer
from tests.support.audio_checks import TONE_HEARD, tone_shares


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent_tui.cli", "audio", *args],
                          capture_output=True, text=True, timeout=60, env={**os.environ}, check=False)


def test_list_names_the_sound_servers_devices(pulse: PulseServer) -> None:
    done = _cli("list")
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert "output headset (Agent Headset)" in lines
    assert "output speaker (Desk Speaker)" in lines
    assert "input mic.monitor (Monitor of Microphone Feed)" in lines
    assert any(line.startswith("output pulse (PortAudio") for line in lines)  # the way there


def test_test_plays_on_the_configured_devices_and_hears_the_microphone(
        pulse: PulseServer, mic_tone: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[audio]\ncapture_device = "mic.monitor"\nplayback_device = "Agent Headset"\n'
                      'ring_device = "Desk Speaker"\n')
    headset = pulse.record("headset.monitor", "cli-headset")
    speaker = pulse.record("speaker.monitor", "cli-speaker")
    pulse.play("mic", mic_tone)
    done = _cli("--config", str(config), "test")
    a, b = headset.stop(), speaker.stop()
    assert done.returncode == 0, done.stderr
    assert "played 440 Hz on 'headset', ring 'speaker'; microphone 'mic.monitor'" in done.stdout
    assert "(sound heard)" in done.stdout
    # About a second of 440 Hz on each (counted in 100 ms slices: the CLI starts at its own pace).
    assert sum(share > TONE_HEARD for share in tone_shares(a, 440, 0, a.seconds)) >= 7
    assert sum(share > TONE_HEARD for share in tone_shares(b, 440, 0, b.seconds)) >= 7


def test_without_a_sound_server_list_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "PULSE_SERVER": f"unix:{tmp_path / 'nobody-here'}"}
    done = subprocess.run([sys.executable, "-m", "agent_tui.cli", "audio", "list"],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert "no sound server answered" in done.stderr
    # This machine has no sound card either: nothing to list is an error.
    assert done.returncode == (1 if not done.stdout.strip() else 0)
