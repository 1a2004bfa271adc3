"""What the desk needs for training calls, handed in by `agent_tui.ui.desk.launch` (tests: doubles)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent_tui.training.caller_process import CallerLauncher
from agent_tui.ui.train.api import TrainingBackend
from agent_tui.ui.train.review_api import RecordingUploader, ReviewBackend


@dataclass
class DeskTrainingServices:
    """The training endpoints, the simulated-caller launcher (self-practice) and the desk's SIP address."""

    api: TrainingBackend | None = None
    launcher: CallerLauncher | None = None
    """Starts simulated callers for self-practice (None: self-practice is off)."""
    sip_uri: str | None = None
    """The registrar's address of record; None: the engine's own address in listen mode."""
    public_address: str | None = None
    """`sip.public_address`: the host to announce in listen mode."""
    uploader: RecordingUploader | None = None
    """Uploads training calls' recordings (None: they are not uploaded)."""
    review: ReviewBackend | None = None
    """The model-call library for agents in training (None: not offered)."""
    export_dir: Path | None = None
    """Where model calls are exported to be played (None: the default export folder)."""
