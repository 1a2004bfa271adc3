"""Authentication and authorisation: bearer token → user, then the route's roles from `roles.py`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from starlette.concurrency import run_in_threadpool

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


class TokenCache:
    """Recently checked tokens, so most requests skip the token query (and a worker thread).

    A token revoked through another worker process stays usable here for at most `ttl_s` seconds;
    logging out through this process drops it at once.
    """

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[AuthUser, datetime, float]] = {}

    def get(self, digest: str) -> AuthUser | None:
        """The cached user of a token hash, if fresh and unexpired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        user, expires_at, cached_at = entry
        if time.monotonic() - cached_at > self.ttl_s or expires_at <= utc_now():
            self._entries.pop(digest, None)
            return None
        return user

    def put(self, user: AuthUser, expires_at: datetime) -> None:
        """Remember a checked token."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[user.token_hash] = (user, expires_at, time.monotonic())

    def drop(self, digest: str) -> None:
        """Forget a token (logout)."""
        self._entries.pop(digest, None)


async def get_db(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header's value, else None."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _bearer(request: Request) -> str:
    token = bearer_token(request.headers.get("authorization", ""))
    if token is None:
        raise ProblemError(401, "missing bearer token", headers=_CHALLENGE)
    return token


def authenticate(db: Database, token: str) -> tuple[AuthUser, datetime] | None:
    """The user of an unexpired token and when it expires, else None."""
    digest = token_hash(token)
    with db.read() as session:
        row = session.connection().execute(_TOKEN_USER, {"digest": digest}).first()
    if row is None or row.expires_at <= utc_now():
        return None
    return AuthUser(id=row.id, username=row.username, role=Role(row.role), token_hash=digest), row.expires_at


# Built once: most requests of a busy floor come here (a token is cached for a few seconds only).
_TOKEN_USER = (
    select(UserRow.id, UserRow.username, UserRow.role, TokenRow.expires_at)
    .join(TokenRow, TokenRow.user_id == UserRow.id)
    .where(TokenRow.token_hash == bindparam("digest"))
)


async def authorize(request: Request) -> AuthUser | None:
    """Global dependency: check the token and the role the route's table entry asks for."""
    route = request.scope.get("route")
    # Not `request.url.path` as getattr's default: building the URL cost ~3% of a state change's CPU.
    path: str = getattr(route, "path", None) or request.scope["path"]
    try:
        roles = allowed_roles(request.method, path)
    except UnlistedRoute as exc:
        raise ProblemError(403, f"{request.method} {path} is not open to any role") from exc
    if roles is None:
        return None
    token = _bearer(request)
    cache: TokenCache = request.app.state.token_cache
    user = cache.get(token_hash(token))
    if user is None:
        found = await run_in_threadpool(authenticate, request.app.state.db, token)
        if found is None:
            raise ProblemError(401, "unknown or expired token", headers=_CHALLENGE)
        user = found[0]
        cache.put(*found)
    if user.role not in roles:
        allowed = ", ".join(sorted(role.value for role in roles))
        raise ProblemError(
            403, f"role {user.role.value} may not {request.method} {path} (allowed: {allowed})"
        )
    return user


async def current_user(user: Annotated[AuthUser | None, Depends(authorize)]) -> AuthUser:
    """The logged-in user of a route that needs one."""
    if user is None:
        raise ProblemError(401, "this route needs a login", headers=_CHALLENGE)
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
Db = Annotated[Database, Depends(get_db)]
