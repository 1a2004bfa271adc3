"""Whether this machine could have a sound device at all, answered without starting PortAudio.

Starting PortAudio (importing `sounddevice`) makes ALSA open every PCM its configuration names, and
with Debian's `libasound2-plugins` that loads the plugins' libraries (libavcodec, libjack, libpulse,
X11, ... about 110 shared libraries): measured on the benchmark machine, ~21 MB of resident memory
and ~0.1 s of CPU in the desk's process, for a machine where every device then fails to open. This
looks only for what any device would need first:

- a sound card: `/dev/snd` (ALSA's kernel devices);
- a sound server: `PULSE_SERVER` or `PIPEWIRE_REMOTE`, a PulseAudio / PipeWire socket in the user's
  runtime folder or the system-wide one, or a `default-server` in PulseAudio's `client.conf` (the
  user's or the machine's: a server elsewhere, reached over the network);
- JACK: `JACK_DEFAULT_SERVER`, or a server's sockets in `/dev/shm`;
- an ALSA configuration of the user's or the machine's own (`ALSA_CONFIG_PATH`, `~/.asoundrc`,
  `/etc/asound.conf`), which may route the default device anywhere.

Any one of them answers True and PortAudio is asked as before; only a machine with none of them (a
server, a container, CI) answers False. A wrong False would cost the agent their audio, so every
doubt counts as "may be present".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SERVER_SOCKETS = ("pulse/native", "pipewire-0")
"""Sockets of a sound server, relative to a runtime folder."""
SYSTEM_RUNTIME = (Path("/run"), Path("/var/run"))
"""Where a system-wide sound server keeps its sockets."""
SOUND_ENV = ("PULSE_SERVER", "PIPEWIRE_REMOTE", "JACK_DEFAULT_SERVER", "ALSA_CONFIG_PATH")
"""Variables that point sound clients somewhere: any one set counts."""


def sound_may_be_present(environ: Mapping[str, str] | None = None, dev_root: Path = Path("/dev"),
                         home: Path | None = None, etc_root: Path = Path("/etc")) -> bool:
    """False only when there is no sound card, no sound server, no JACK and no ALSA configuration of
    the user's or the machine's own; `dev_root`, `home` and `etc_root` are for tests."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in SOUND_ENV):
        return True
    if (dev_root / "snd").exists() or _has_jack(dev_root / "shm"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    folders = [Path(runtime), *SYSTEM_RUNTIME]
    if any((folder / socket).exists() for folder in folders for socket in SERVER_SOCKETS):
        return True
    user_home = home if home is not None else Path(env.get("HOME") or Path.home())
    if (user_home / ".asoundrc").exists() or (etc_root / "asound.conf").exists():
        return True
    config_home = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
    client_confs = [config_home / "pulse" / "client.conf", user_home / ".pulse" / "client.conf",
                    etc_root / "pulse" / "client.conf", *_glob(etc_root / "pulse" / "client.conf.d")]
    return any(_names_a_server(path) for path in client_confs)


def _glob(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("*.conf"))
    except OSError:
        return []


def _names_a_server(client_conf: Path) -> bool:
    """PulseAudio's client.conf sets `default-server` (comments start with # or ;)."""
    try:
        text = client_conf.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:  # there but unreadable: cannot tell, so it may name one
        return True
    for line in text.splitlines():
        key, _, value = line.split("#", 1)[0].split(";", 1)[0].partition("=")
        if key.strip() == "default-server" and value.strip():
            return True
    return False


def _has_jack(shm: Path) -> bool:
    try:
        # jack_db-UID is the client library's metadata folder (made by any process that loads
        # libjack, PortAudio's probe included), not a server.
        return any(entry.name.startswith("jack") and not entry.name.startswith("jack_db")
                   for entry in shm.iterdir())
    except FileNotFoundError:
        return False
    except OSError:  # there but unreadable: cannot tell, so it may be there
        return True
