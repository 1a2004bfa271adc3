"""An agent-tui App that crashes on a key press with a password in a local variable (crash tests).

Run as `python -m tests.ui.crashing_app` in a terminal: press `x` and it crashes.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from agent_tui.ui.common.base_app import AgentTuiApp
from agent_tui.ui.common.options import DeskOptions

TYPED_PASSWORD = "hunter2-typed-by-the-agent"
"""The secret a crash must not show."""


class CrashingApp(AgentTuiApp):
    """Shows one line; `x` raises with `TYPED_PASSWORD` in a local variable."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "crash", "Crash")]

    def __init__(self) -> None:
        super().__init__(DeskOptions(username="agent1"))

    def compose(self) -> ComposeResult:
        yield Static("ready to crash", id="ready")

    def on_mount(self) -> None:
        """Themes as every App does."""
        self.apply_theme()

    def action_crash(self) -> None:
        """Fail as a bug would, with what the agent typed in a local variable."""
        password = TYPED_PASSWORD
        raise RuntimeError(f"a bug while logging in ({len(password)} characters typed)")


if __name__ == "__main__":
    crashing = CrashingApp()
    crashing.run()
    raise SystemExit(crashing.return_code or 0)
