"""`/v1/queues`: today's figures per queue (the wallboard's `today` window, for every role)."""

from __future__ import annotations

from fastapi import APIRouter

from agent_tui.domain.agent import QueueStats
from agent_tui.domain.base import Page, utc_now
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.store import PageParams

router = APIRouter(prefix="/v1/queues", tags=["queues"])
_FIELDS = set(QueueStats.model_fields)


@router.get("")
def list_queues(_user: CurrentUser, db: Db, board: Board, paging: PageParams) -> Page[QueueStats]:
    """Today's figures of every queue that was offered calls, by queue name."""
    with db.read() as session:
        panels = board.live.queue_panels(session, utc_now())
    stats = [QueueStats.model_validate(p.today.model_dump(include=_FIELDS)) for p in panels]
    return Page[QueueStats](items=stats[paging.offset:paging.offset + paging.limit], total=len(stats),
                            limit=paging.limit, offset=paging.offset)
