"""Login for the wallboard when no password was given: user and password, nothing else."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from agent_tui.ui.common.login_form import LoginFormScreen


class MonitorLoginScreen(LoginFormScreen):
    """The supervisor's login."""

    TITLE_TEXT = "agent-tui monitor: log in"

    def __init__(self, username: str) -> None:
        super().__init__(username, screen_id="monitor-login")

    def log_in(self) -> None:
        """Log in to the backend, then show the wallboard."""
        typed = self.credentials()
        if typed is None:
            return
        user, password = typed
        app: Any = self.app

        async def work() -> None:
            try:
                await app.log_in(user, SecretStr(password))
            except Exception as error:
                self.login_failed(error)
                raise
            app.switch_screen("wallboard")

        app.spawn(self, work, "logging in", exclusive=True)
