"""Authentication and authorisation: bearer token → user, then the route's roles from `roles.py`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
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


@dataclass(slots=True)
class _Cached:
    user: AuthUser
    expires_at: datetime
    checked_at: float
    """When the database last said the token is good (monotonic clock)."""
    used_at: float


class TokenCache:
    """Recently checked tokens, so most requests skip the token query (and a worker thread).

    A token revoked through another worker process stays usable here for at most `ttl_s` seconds;
    logging out through this process drops it at once. Tokens in use are checked again in batches
    before their `ttl_s` runs out (`due`, `refreshed`; token_refresh.py runs it), so a busy desk's
    requests do not each meet an expired entry every `ttl_s` (at 1,000 agents changing state once a
    second that was a query and a thread hop for a fifth of the requests).
    """

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Cached] = {}

    def get(self, digest: str) -> AuthUser | None:
        """The cached user of a token hash, if fresh and unexpired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        now = self._clock()
        if now - entry.checked_at > self.ttl_s or entry.expires_at <= utc_now():
            self._entries.pop(digest, None)
            return None
        entry.used_at = now
        return entry.user

    def put(self, user: AuthUser, expires_at: datetime) -> None:
        """Remember a checked token."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        now = self._clock()
        self._entries[user.token_hash] = _Cached(user, expires_at, now, now)

    def drop(self, digest: str) -> None:
        """Forget a token (logout)."""
        self._entries.pop(digest, None)

    def due(self, within_s: float) -> list[str]:
        """Tokens used since they were last checked whose check runs out within `within_s` seconds."""
        limit = self._clock() - self.ttl_s + within_s
        return [digest for digest, entry in list(self._entries.items())
                if entry.checked_at <= limit and entry.used_at > entry.checked_at]

    def refreshed(self, asked: Iterable[str], found: dict[str, tuple[AuthUser, datetime]],
                  checked_at: float) -> None:
        """Record a batch check that started at `checked_at`: found tokens are good from then on, the
        others are dropped. A token dropped meanwhile (a logout) is not brought back."""
        for digest in asked:
            entry = self._entries.get(digest)
            if entry is None:
                continue
            if digest not in found:
                self._entries.pop(digest, None)
                continue
            entry.user, entry.expires_at = found[digest]
            entry.checked_at = max(entry.checked_at, checked_at)

    def now(self) -> float:
        """The cache's clock."""
        return self._clock()


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
_TOKENS_USERS = (
    select(UserRow.id, UserRow.username, UserRow.role, TokenRow.expires_at, TokenRow.token_hash)
    .join(TokenRow, TokenRow.user_id == UserRow.id)
    .where(TokenRow.token_hash.in_(bindparam("digests", expanding=True)))
)
CHECK_BATCH = 500
"""Tokens checked again per query."""


def authenticate_many(db: Database, digests: Sequence[str]) -> dict[str, tuple[AuthUser, datetime]]:
    """The users of those token hashes that are still good, and when each token expires."""
    now = utc_now()
    found: dict[str, tuple[AuthUser, datetime]] = {}
    with db.read() as session:
        for start in range(0, len(digests), CHECK_BATCH):
            rows = session.connection().execute(
                _TOKENS_USERS, {"digests": list(digests[start:start + CHECK_BATCH])}).all()
            for row in rows:
                if row.expires_at > now:
                    found[row.token_hash] = (
                        AuthUser(id=row.id, username=row.username, role=Role(row.role),
                                 token_hash=row.token_hash), row.expires_at)
    return found


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
