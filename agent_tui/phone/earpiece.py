"""The earpiece recording: a WAV of what the agent hears, for headless engines (bots, tests).

On a desk the calls, the ringback and the supervisor's whisper all transmit to the headset bridge's
port; headless, they go to pjsua2's null device and are lost. With an earpiece file the engine
connects them to a recorder instead, wired exactly where the headset would be (`MediaHub.playback`),
so the file holds the mix the agent would hear. It runs from the engine's start to its stop.
"""

from __future__ import annotations

import contextlib
import gc
import time
from pathlib import Path
from typing import Any

import pjsua2 as pj

from agent_tui.phone.wav import wav_finished

CLOSE_TIMEOUT_S = 2.0
"""How long `close` waits for the conference bridge to write the WAV header."""


class Earpiece:
    """A recorder on the conference bridge standing in for the headset's speaker."""

    def __init__(self, endpoint: Any, path: Path) -> None:
        self._ep = endpoint
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.port: Any = pj.AudioMediaRecorder()
        self.port.createRecorder(str(path))
        self.started_at = time.time()
        """Wall-clock time of the recording's first sample (unix seconds)."""
        # The null device's capture side is silent: connected, it keeps the recorder on the bridge's
        # clock while nothing else plays, so a time in the file is a time since the start.
        self._clock = endpoint.audDevManager().getCaptureDevMedia()
        self._clock.startTransmit(self.port)

    def close(self) -> None:
        """Drop the recorder and wait (briefly) until the bridge has written the WAV header."""
        with contextlib.suppress(pj.Error):
            self._clock.stopTransmit(self.port)
        self.port = None
        gc.collect()
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        while not wav_finished(self.path) and time.monotonic() < deadline:
            self._ep.libHandleEvents(10)
