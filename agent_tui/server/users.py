"""Creating users (the seed and tests use it; there is no user-admin endpoint yet)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.server.models import UserRow
from agent_tui.server.security import hash_password


def add_user(
    session: Session, username: str, password: str | None, role: Role, *, display_name: str | None = None,
    team: str | None = None, extension: str | None = None, password_hash: str | None = None,
) -> UserRow:
    """Add a user; pass `password_hash` to reuse one hash for many users (the demo seed does)."""
    if password_hash is None:
        if password is None:
            raise ValueError("a password or a password hash is needed")
        password_hash = hash_password(password)
    row = UserRow(
        username=username, display_name=display_name or username, role=role.value, team=team,
        extension=extension, password_hash=password_hash, created_at=utc_now(),
    )
    session.add(row)
    return row
