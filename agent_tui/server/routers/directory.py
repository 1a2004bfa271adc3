"""`/v1/directory`: where desks without a registrar answer (see `agent_tui.domain.directory`)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.domain.directory import DeskAddress, DirectoryEntry
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.models import UserRow
from agent_tui.server.training_models import DeskAddressRow

router = APIRouter(prefix="/v1/directory", tags=["directory"])


@router.get("")
def list_desks(_user: CurrentUser, db: Db) -> list[DirectoryEntry]:
    """Every desk that announced its address, by username."""
    with db.read() as session:
        rows = session.execute(
            select(UserRow, DeskAddressRow).join(DeskAddressRow, DeskAddressRow.username == UserRow.username)
            .order_by(UserRow.username)
        ).all()
    return [DirectoryEntry(username=user.username, display_name=user.display_name or "",
                           extension=user.extension, sip_uri=desk.sip_uri, since=desk.since)
            for user, desk in rows]


@router.put("/me", status_code=204)
def announce(body: DeskAddress, user: CurrentUser, db: Db) -> None:
    """The caller's desk says where its softphone answers (the newest announcement wins)."""
    now = utc_now()
    with db.write() as session:
        row = session.get(DeskAddressRow, user.username)
        if row is None:
            session.add(DeskAddressRow(username=user.username, sip_uri=body.sip_uri, since=now))
        else:
            row.sip_uri, row.since = body.sip_uri, now


@router.delete("/me", status_code=204)
def withdraw(user: CurrentUser, db: Db) -> None:
    """The caller's desk is closing: calls to its extension stop resolving to it."""
    with db.write() as session:
        row = session.get(DeskAddressRow, user.username)
        if row is not None:
            session.delete(row)
