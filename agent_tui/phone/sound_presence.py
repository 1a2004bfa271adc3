"""Whether this machine could have a sound device at all, answered without starting PortAudio.

Starting PortAudio (importing `sounddevice`) makes ALSA open every PCM its configuration names, and
with Debian's `libasound2-plugins` that loads the plugins' libraries (libavcodec, libjack, libpulse,
X11, ... about 110 shared libraries): measured on the benchmark machine, ~21 MB of resident memory
and ~0.1 s of CPU in the desk's process, for a machine where every device then fails to open. This
looks only for what any device would need first:

- a sound card: `/dev/snd` (ALSA's kernel devices);
- a sound server: `PULSE_SERVER`, or a PulseAudio / PipeWire socket in the user's runtime folder or
  the system-wide one;
- JACK: a server's sockets in `/dev/shm`;
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
ALSA_CONFIGS = (Path("/etc/asound.conf"),)
"""The machine's own ALSA configuration (the distribution's defaults live elsewhere)."""


def sound_may_be_present(environ: Mapping[str, str] | None = None, dev_root: Path = Path("/dev"),
                         home: Path | None = None) -> bool:
    """False only when there is no sound card, no sound server, no JACK and no ALSA configuration of
    the user's or the machine's own; `dev_root` and `home` are for tests."""
    env = os.environ if environ is None else environ
    if env.get("PULSE_SERVER") or env.get("ALSA_CONFIG_PATH"):
        return True
    if (dev_root / "snd").exists() or _has_jack(dev_root / "shm"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    folders = [Path(runtime), *SYSTEM_RUNTIME]
    if any((folder / socket).exists() for folder in folders for socket in SERVER_SOCKETS):
        return True
    user_home = home if home is not None else Path(env.get("HOME") or Path.home())
    return (user_home / ".asoundrc").exists() or any(path.exists() for path in ALSA_CONFIGS)


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
