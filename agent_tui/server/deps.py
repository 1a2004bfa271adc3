"""FastAPI dependencies for the supervision services kept on `app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agent_tui.server.live import LiveFigures
from agent_tui.server.monitoring import MonitorSigner
from agent_tui.server.settings import ServerSettings
from agent_tui.server.wallboard import Wallboard


async def get_wallboard(request: Request) -> Wallboard:
    """The app's wallboard publisher."""
    board: Wallboard = request.app.state.wallboard
    return board


async def get_signer(request: Request) -> MonitorSigner:
    """The app's monitor-token signer."""
    signer: MonitorSigner = request.app.state.monitor_signer
    return signer


async def get_settings(request: Request) -> ServerSettings:
    """The app's settings."""
    settings: ServerSettings = request.app.state.settings
    return settings


Board = Annotated[Wallboard, Depends(get_wallboard)]
Signer = Annotated[MonitorSigner, Depends(get_signer)]
Settings = Annotated[ServerSettings, Depends(get_settings)]


def live_of(board: Wallboard) -> LiveFigures:
    """The live figures behind a wallboard."""
    return board.live
