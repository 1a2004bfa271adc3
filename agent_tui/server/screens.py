"""Call screens: loaded from the screens folder into the database on first start."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from sqlalchemy import func, select

from agent_tui.domain.screen import ScreenDefinition
from agent_tui.server.db import Database
from agent_tui.server.models import ScreenRow

log = logging.getLogger(__name__)


def read_folder(folder: Path) -> list[ScreenDefinition]:
    """The valid screens of a folder, through `agent_tui.forms.loader`; errors are logged and skipped."""
    try:
        loader = importlib.import_module("agent_tui.forms.loader")
    except ImportError:
        log.warning("agent_tui.forms.loader is not available: no call screens loaded")
        return []
    result = loader.load_screens(folder)
    for error in result.errors:
        log.warning("screen not loaded: %s", error)
    return list(result.screens)


def load_once(db: Database, folder: Path | None) -> int:
    """Load the folder's screens when the screens table is empty; answer how many were stored."""
    if folder is None or not folder.is_dir():
        return 0
    with db.read() as session:
        if session.execute(select(func.count()).select_from(ScreenRow)).scalar_one():
            return 0
    screens = read_folder(folder)
    store(db, screens)
    return len(screens)


def store(db: Database, screens: list[ScreenDefinition]) -> None:
    """Insert or replace screens."""
    with db.write() as session:
        for screen in screens:
            row = session.get(ScreenRow, screen.id)
            if row is None:
                row = ScreenRow(id=screen.id)
                session.add(row)
            row.version = screen.version
            row.ticket_type = screen.ticket_type.value if screen.ticket_type else None
            row.definition = screen.model_dump(mode="json")
