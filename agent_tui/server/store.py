"""Read and write helpers shared by several routers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import Ticket
from agent_tui.server import convert
from agent_tui.server.models import CustomerPhoneRow, TicketRow, TimelineRow
from agent_tui.server.phones import phone_key

MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1
"""Past this an offset is a mistake, and past 2**63 the database cannot even take it."""
MAX_ROW_ID = 2**63 - 1
"""The largest id a database row can have (SQLite and PostgreSQL BIGINT)."""

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id.")]
"""A row id in a URL path: out of range is a 422 naming the parameter, not a database error."""


@dataclass(frozen=True, slots=True)
class Paging:
    """`limit` and `offset` query parameters of every list endpoint."""

    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> Paging:
    """The paging parameters (async: no worker thread needed)."""
    return Paging(limit, offset)


PageParams = Annotated[Paging, Depends(paging)]


_TIMELINES = (
    select(TimelineRow)
    .where(TimelineRow.ticket_id.in_(bindparam("ids", expanding=True)))
    .order_by(TimelineRow.id)
)


def load_tickets(
    session: Session, rows: Sequence[TicketRow], now: datetime, limits: SlaLimits
) -> list[Ticket]:
    """Tickets with their timelines and deadlines, in the order of `rows` (one query for every timeline)."""
    if not rows:
        return []
    timelines: dict[int, list[TimelineRow]] = defaultdict(list)
    for entry in session.execute(_TIMELINES, {"ids": [r.id for r in rows]}).scalars():
        timelines[entry.ticket_id].append(entry)
    return [convert.ticket(row, timelines[row.id], now, limits) for row in rows]


def set_phones(session: Session, customer_id: int, phones: Sequence[str]) -> None:
    """Replace the lookup keys of a customer's phones."""
    session.execute(delete(CustomerPhoneRow).where(CustomerPhoneRow.customer_id == customer_id))
    keys = sorted({phone_key(p) for p in phones} - {""})
    if keys:
        session.execute(
            insert(CustomerPhoneRow), [{"customer_id": customer_id, "phone_key": k} for k in keys]
        )
