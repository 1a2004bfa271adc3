"""A throwaway PulseAudio for tests: null sinks as the agent's devices, recorded through their monitors.

Started as the current user with its own runtime dir and HOME (`-n --exit-idle-time=-1`, only the
modules loaded here), reached over the native protocol on a unix socket; stopped by pid. Clients in
this process and in subprocesses find it through `env` (PULSE_SERVER, and ALSA_CONFIG_PATH naming
an ALSA config whose default is the pulse plugin, so PortAudio → ALSA → pulse reaches it).

Each null sink runs at 16 kHz mono, the bridge's own format, so nothing is resampled on the way.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.audio_checks import Pcm
from tests.support.peers import peers_required, require_binary
from tests.support.waiting import wait_for

RATE = 16000
SINKS = {"headset": "Agent Headset", "speaker": "Desk Speaker", "mic": "Microphone Feed"}
"""Null sinks: the headset (sink A), a desk speaker (sink B), and one whose monitor is the microphone."""

_ASOUND = """</usr/share/alsa/alsa.conf>
pcm.!default { type pulse }
ctl.!default { type pulse }
"""


def _stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """SIGTERM by pid, then wait; SIGKILL only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


@dataclass
class Recording:
    """`parec` of one source into a raw file (16 kHz mono s16le): what that device played."""

    path: Path
    proc: subprocess.Popen[bytes]

    def position(self) -> float:
        """Seconds recorded so far (parec runs with 20 ms latency, so this is ~now in the file)."""
        return self.path.stat().st_size / 2 / RATE if self.path.exists() else 0.0

    def stop(self) -> Pcm:
        """End the recording; its samples."""
        _stop(self.proc)
        return self.pcm()

    def pcm(self) -> Pcm:
        """What was recorded up to now."""
        raw = self.path.read_bytes()
        raw = raw[: len(raw) // 2 * 2]
        return Pcm([int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)], RATE)


@dataclass
class PulseServer:
    """One PulseAudio daemon of the test module; `env` points clients at it."""

    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_modules: list[str] = field(default_factory=list)
    """More `load-module` lines (the agent's host over SSH adds module-native-protocol-tcp)."""
    launcher: list[str] = field(default_factory=list)
    """What the daemon runs under (`ip netns exec NAME`: the agent's own host)."""

    def start(self) -> PulseServer:
        """Start the daemon and wait (with a deadline) until it answers."""
        daemon = require_binary("pulseaudio", "pulseaudio")
        self._pactl = require_binary("pactl", "pulseaudio-utils")
        self._parec = require_binary("parec", "pulseaudio-utils")
        self._paplay = require_binary("paplay", "pulseaudio-utils")
        if not Path("/usr/share/alsa/alsa.conf.d/pulse.conf").exists():
            message = ("PEER MISSING: ALSA's pulse plugin (Debian package libasound2-plugins); "
                       "run `make peers` as root")
            if peers_required():
                pytest.fail(message)
            pytest.skip(message)
        run, home = self.workdir / "run", self.workdir / "home"
        for folder in (run, home):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700)
        socket = run / "native"
        lines = [f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1"]
        for name, description in SINKS.items():
            lines.append(f"load-module module-null-sink sink_name={name} rate={RATE} channels=1 "
                         f"sink_properties='device.description=\"{description}\"'")
        lines += [f"load-module {module}" for module in self.extra_modules]
        script = self.workdir / "default.pa"
        script.write_text("\n".join(lines) + "\n")
        asound = self.workdir / "asound.conf"
        asound.write_text(_ASOUND)
        daemon_env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(run),
                      "XDG_CONFIG_HOME": str(home / ".config")}
        with (self.workdir / "pulseaudio.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [*self.launcher, daemon, "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
                 "--use-pid-file=no", "--system=no", "-F", str(script), "--log-target=stderr"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=daemon_env)
        self.env = {"PULSE_SERVER": f"unix:{socket}", "ALSA_CONFIG_PATH": str(asound)}
        wait_for(self._answers, 20.0, interval=0.1, message="PulseAudio to answer")
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            log = (self.workdir / "pulseaudio.log").read_text()
            raise AssertionError(f"PulseAudio exited: {log[-2000:]}")
        return self.pactl("list", "short", "sinks", check=False).count("module-null-sink") == len(SINKS)

    def pactl(self, *args: str, check: bool = True) -> str:
        """Run pactl against this server; its output."""
        done = subprocess.run([self._pactl, *args], capture_output=True, text=True,
                              env={**os.environ, **self.env}, timeout=10, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"pactl {args}: {done.stderr}")
        return done.stdout

    def record(self, source: str, name: str) -> Recording:
        """Start recording a source (a sink's monitor: `headset.monitor`) into the work dir."""
        path = self.workdir / f"{name}.raw"
        with path.open("wb") as out:
            proc = subprocess.Popen(
                [self._parec, "-d", source, "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
                 "--latency-msec=20"], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL,
                env={**os.environ, **self.env})
        self.helpers.append(proc)
        recording = Recording(path, proc)
        wait_for(lambda: recording.position() > 0.1, 10.0, message=f"parec of {source} to start")
        return recording

    def play(self, sink: str, wav: Path) -> subprocess.Popen[bytes]:
        """Play a WAV into a sink with paplay (stopped at teardown if still playing)."""
        proc = subprocess.Popen(
            [self._paplay, "-d", sink, str(wav)], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **self.env})
        self.helpers.append(proc)
        return proc

    def stop(self) -> None:
        """Stop every helper we started, then the daemon, each by pid."""
        for helper in self.helpers:
            _stop(helper)
        self.helpers.clear()
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
