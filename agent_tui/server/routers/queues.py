"""`/v1/queues`: live figures per queue."""

from __future__ import annotations

from fastapi import APIRouter

from agent_tui.domain.agent import QueueStats
from agent_tui.domain.base import Page, utc_now
from agent_tui.server import queue_stats
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.store import PageParams

router = APIRouter(prefix="/v1/queues", tags=["queues"])


@router.get("")
def list_queues(_user: CurrentUser, db: Db, paging: PageParams) -> Page[QueueStats]:
    """Today's figures of every queue that was offered calls, by queue name."""
    with db.read() as session:
        stats = queue_stats.compute(session, utc_now())
    return Page[QueueStats](items=stats[paging.offset:paging.offset + paging.limit], total=len(stats),
                            limit=paging.limit, offset=paging.offset)
