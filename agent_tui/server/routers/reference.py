"""Reference data: call screens, knowledge base, outage notices, Not Ready reasons, health."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import func, or_, select

from agent_tui import __version__
from agent_tui.domain.agent import DEFAULT_NOT_READY_REASONS
from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.notice import KbArticle, OutageNotice
from agent_tui.domain.screen import ScreenDefinition, ScreensReloaded, ScreenSummary
from agent_tui.server import convert, screens
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Settings
from agent_tui.server.models import KbArticleRow, NoticeRow, ScreenRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams

router = APIRouter(prefix="/v1", tags=["reference"])


class Health(BaseModel):
    """Answer of `GET /v1/health`."""

    status: str
    database: str
    version: str


@router.get("/health")
def health(db: Db) -> Health:
    """Whether the server and its database answer."""
    with db.read() as session:
        session.execute(select(1))
    return Health(status="ok", database=db.url.get_backend_name(), version=__version__)


@router.get("/screens")
def list_screens(_user: CurrentUser, db: Db, paging: PageParams) -> Page[ScreenSummary]:
    """The call screens, by id."""
    with db.read() as session:
        rows = session.execute(select(ScreenRow).order_by(ScreenRow.id)).scalars().all()
    items = [ScreenSummary.model_validate({k: r.definition[k] for k in ScreenSummary.model_fields
                                           if k in r.definition}) for r in rows]
    return Page[ScreenSummary](items=items[paging.offset:paging.offset + paging.limit], total=len(items),
                               limit=paging.limit, offset=paging.offset)


@router.get("/screens/{screen_id}")
def get_screen(
    screen_id: str,
    _user: CurrentUser,
    db: Db,
    version: Annotated[int | None, Query(
        ge=1, le=1_000_000, description="A version kept for the tickets filed with it (default: the newest).",
    )] = None,
) -> ScreenDefinition:
    """One call screen with its steps: the newest version, or the one asked for."""
    screen = screens.version_of(db, screen_id, version)
    if screen is None:
        raise ProblemError(404, f"no screen {screen_id}" + (f" version {version}" if version else ""))
    return screen




@router.post("/screens/reload", responses={403: {"description": "Supervisors only"}})
def reload_screens(_user: CurrentUser, db: Db, settings: Settings) -> ScreensReloaded:
    """Read the screens folder again: new versions are stored, and desks get the newest from now on.

    Versions already stored are kept for the tickets filed with them; a file edited without raising its
    `version` is listed in `problems` and not loaded.
    """
    return screens.load_folder(db, settings.screens_dir)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")


def search_terms(query: str) -> list[str]:
    """Latin words, and overlapping pairs of Chinese characters (a lone character stays itself)."""
    text = query.lower()
    terms: list[str] = _WORD.findall(text)
    for run in _CJK.findall(text):
        terms.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return list(dict.fromkeys(terms))


@router.get("/kb")
def search_kb(
    _user: CurrentUser,
    db: Db,
    paging: PageParams,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words, Chinese or English.")],
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$")] = None,
) -> Page[KbArticle]:
    """Articles matching most of the query's terms first (Chinese is matched by character pairs)."""
    terms = search_terms(q)
    if not terms:
        raise ProblemError(422, "no searchable words", field="query.q")
    query = select(KbArticleRow).where(or_(*[KbArticleRow.search_text.contains(t, autoescape=True)
                                             for t in terms]))
    if language is not None:
        query = query.where(KbArticleRow.language == language)
    with db.read() as session:
        rows = session.execute(query).scalars().all()
    needed = max(1, (len(terms) + 1) // 2)
    scored = []
    for row in rows:
        hits = sum(t in row.search_text for t in terms)
        if hits >= needed:
            in_title = sum(t in row.title.lower() for t in terms)
            scored.append((-(hits * 2 + in_title), row.id, row))
    scored.sort(key=lambda item: (item[0], item[1]))
    page = scored[paging.offset:paging.offset + paging.limit]
    return Page[KbArticle](items=[convert.article(r) for *_, r in page], total=len(scored),
                           limit=paging.limit, offset=paging.offset)


@router.get("/notices")
def list_notices(
    _user: CurrentUser,
    db: Db,
    paging: PageParams,
    area: Annotated[str | None, Query(max_length=200)] = None,
    current: Annotated[bool, Query(description="Only notices not yet over.")] = True,
) -> Page[OutageNotice]:
    """Outage notices, by start time."""
    query = select(NoticeRow)
    if area is not None:
        query = query.where(NoticeRow.area == area)
    if current:
        query = query.where(or_(NoticeRow.ends_at.is_(None), NoticeRow.ends_at > utc_now()))
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(NoticeRow.starts_at, NoticeRow.id).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[OutageNotice](items=[convert.notice(r) for r in rows], total=total, limit=paging.limit,
                                  offset=paging.offset)


@router.get("/reasons")
def reasons(_user: CurrentUser, paging: PageParams) -> Page[str]:
    """The Not Ready reason codes."""
    codes = list(DEFAULT_NOT_READY_REASONS)
    return Page[str](items=codes[paging.offset:paging.offset + paging.limit], total=len(codes),
                     limit=paging.limit, offset=paging.offset)
