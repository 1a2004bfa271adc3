"""Authentication and authorisation: bearer token → user, then the route's roles from `roles.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.server.db import Database
from agent_tui.server.models import TokenRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.roles import UnlistedRoute, allowed_roles
from agent_tui.server.security import token_hash

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="agent-tui"'}


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The user a request's token belongs to."""

    id: int
    username: str
    role: Role
    token_hash: str

    def __repr__(self) -> str:
        return f"AuthUser({self.username!r}, {self.role.value})"


def get_db(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "missing bearer token", headers=_CHALLENGE)
    return token.strip()


def authenticate(db: Database, token: str) -> AuthUser | None:
    """The user of an unexpired token, else None."""
    digest = token_hash(token)
    with db.read() as session:
        row = session.execute(
            select(UserRow.id, UserRow.username, UserRow.role, TokenRow.expires_at)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .where(TokenRow.token_hash == digest)
        ).first()
    if row is None or row.expires_at <= utc_now():
        return None
    return AuthUser(id=row.id, username=row.username, role=Role(row.role), token_hash=digest)


def authorize(request: Request) -> AuthUser | None:
    """Global dependency: check the token and the role the route's table entry asks for."""
    route = request.scope.get("route")
    path: str = getattr(route, "path", request.url.path)
    try:
        roles = allowed_roles(request.method, path)
    except UnlistedRoute as exc:
        raise ProblemError(403, f"{request.method} {path} is not open to any role") from exc
    if roles is None:
        return None
    user = authenticate(get_db(request), _bearer(request))
    if user is None:
        raise ProblemError(401, "unknown or expired token", headers=_CHALLENGE)
    if user.role not in roles:
        allowed = ", ".join(sorted(role.value for role in roles))
        raise ProblemError(
            403, f"role {user.role.value} may not {request.method} {path} (allowed: {allowed})"
        )
    return user


def current_user(user: Annotated[AuthUser | None, Depends(authorize)]) -> AuthUser:
    """The logged-in user of a route that needs one."""
    if user is None:
        raise ProblemError(401, "this route needs a login", headers=_CHALLENGE)
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
Db = Annotated[Database, Depends(get_db)]
