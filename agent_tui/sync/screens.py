"""Work-order screens for the desk: the backend's first, the bundled `screens/` as the fallback."""

from __future__ import annotations

import logging

from agent_tui.domain.screen import ScreenDefinition
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.sync.client import BackendClient

log = logging.getLogger(__name__)


class BackendScreens:
    """Work-order screens from the backend; the bundled `screens/` when the backend has none or is down."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        """Every usable screen and the problems met."""
        try:
            summaries = await self._client.list_screens()
            screens = [await self._client.get_screen(summary.id) for summary in summaries]
        except Exception as error:
            log.info("screens from the backend unavailable (%s); using local files", error)
        else:
            if screens:
                return screens, []
        result = load_screens(bundled_screens_dir())
        return result.screens, result.errors
