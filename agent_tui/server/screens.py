"""Call screens: every version found in the screens folder is kept; the newest is the one desks get.

The folder is read when the server starts and when a supervisor asks for a reload
(`POST /v1/screens/reload`). A screen whose `version` is new is stored; it becomes the current one when
it is newer than the current one. Versions are never replaced or dropped, because a ticket keeps the
version it was filed with: an edited file that keeps its old version number is refused (and logged),
the stored version stays.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.screen import ScreenDefinition, ScreensReloaded, ScreenSummary
from agent_tui.server.db import Database
from agent_tui.server.models import ScreenRow, ScreenVersionRow

log = logging.getLogger(__name__)


def read_folder(folder: Path) -> tuple[list[ScreenDefinition], list[str]]:
    """The valid screens of a folder and the problems of the others, through `agent_tui.forms.loader`."""
    try:
        loader = importlib.import_module("agent_tui.forms.loader")
    except ImportError:
        return [], ["agent_tui.forms.loader is not available: no call screens loaded"]
    result = loader.load_screens(folder)
    return list(result.screens), [str(error) for error in result.errors]


def load_folder(db: Database, folder: Path | None) -> ScreensReloaded:
    """Store the folder's new screen versions; answer what changed and what was refused."""
    if folder is None or not folder.is_dir():
        return ScreensReloaded(problems=[f"no screens folder: {folder}"] if folder is not None else [])
    screens, problems = read_folder(folder)
    try:
        report = store(db, screens)
    except IntegrityError:
        # Another process stored the same version at the same moment: compare against it again.
        report = store(db, screens)
    report = report.model_copy(update={"problems": [*problems, *report.problems]})
    for problem in report.problems:
        log.warning("screen not loaded: %s", problem)
    return report


def store(db: Database, screens: list[ScreenDefinition]) -> ScreensReloaded:
    """Keep each screen version not seen before; make it current when it is the newest of its screen."""
    added: list[ScreenSummary] = []
    problems: list[str] = []
    now = utc_now()
    with db.write() as session:
        for screen in screens:
            definition = screen.model_dump(mode="json")
            kept = session.get(ScreenVersionRow, (screen.id, screen.version))
            if kept is not None:
                if kept.definition != definition:
                    problems.append(
                        f"screen {screen.id!r} version {screen.version} was changed without a new version "
                        "number: the stored one is kept (raise `version` to publish the change)"
                    )
                continue
            session.add(ScreenVersionRow(
                id=screen.id, version=screen.version, definition=definition, loaded_at=now,
                ticket_type=screen.ticket_type.value if screen.ticket_type else None,
            ))
            added.append(_summary(screen))
            current = session.get(ScreenRow, screen.id)
            if current is None:
                current = ScreenRow(id=screen.id)
                session.add(current)
            elif current.version > screen.version:
                continue
            current.version = screen.version
            current.ticket_type = screen.ticket_type.value if screen.ticket_type else None
            current.definition = definition
        session.flush()
        newest = session.execute(select(ScreenRow).order_by(ScreenRow.id)).scalars().all()
        current_list = [ScreenSummary.model_validate(_summary_fields(row.definition)) for row in newest]
    return ScreensReloaded(added=added, current=current_list, problems=problems)


def version_of(db: Database, screen_id: str, version: int | None) -> ScreenDefinition | None:
    """A screen as it was at `version` (None: the current one); None when there is no such screen."""
    with db.read() as session:
        if version is None:
            row = session.get(ScreenRow, screen_id)
            return ScreenDefinition.model_validate(row.definition) if row is not None else None
        kept = session.get(ScreenVersionRow, (screen_id, version))
        return ScreenDefinition.model_validate(kept.definition) if kept is not None else None


def filed_version(session: Session, screen_id: str | None, version: int | None) -> int | None:
    """The screen version a new ticket records: the one the desk filed with, else the newest one.

    The desk's version is kept even when this server never loaded it (a desk that filed offline from
    its own copy of the screens): refusing the order would lose it, and the number is still the truth.
    """
    if version is not None or screen_id is None:
        return version
    current = session.get(ScreenRow, screen_id)
    return current.version if current is not None else None


def _summary(screen: ScreenDefinition) -> ScreenSummary:
    return ScreenSummary.model_validate(_summary_fields(screen.model_dump(mode="json")))


def _summary_fields(definition: dict[str, object]) -> dict[str, object]:
    return {key: definition[key] for key in ScreenSummary.model_fields if key in definition}
