"""What the trainer's console is given: login, the training endpoints, the simulated-caller launcher, live
events and recordings (the real ones are wired in `agent_tui.ui.train.launch`; tests hand in doubles)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import SecretStr

from agent_tui.domain.session import SessionInfo
from agent_tui.training.caller_process import CallerLauncher
from agent_tui.ui.desk.services import LiveEvents
from agent_tui.ui.train.api import TrainingBackend
from agent_tui.ui.train.review_playback import RecordingAccess


class Authenticator(Protocol):
    """Logs the trainer in (`BackendClient.login`)."""

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        """Log in and keep the token."""


@dataclass
class ConsoleServices:
    """Everything the console is given (tests hand in doubles)."""

    auth: Authenticator
    api: TrainingBackend
    launcher: CallerLauncher
    events: LiveEvents | None = None
    recordings: RecordingAccess | None = None
    """Training recordings and model calls to play or export (None: review without recordings)."""
    on_logged_in: list[Callable[[SessionInfo], None]] = field(default_factory=list)
    """Called on the UI thread after login (launch starts the event stream)."""
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
