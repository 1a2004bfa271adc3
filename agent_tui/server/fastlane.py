"""A lighter request path for the backend's hottest routes, in front of FastAPI's.

FastAPI's per-request machinery (its middleware layers, the router's walk over every included
router, dependency solving with its generic parameter extraction, Starlette's Request and Response
objects and the send wrappers of every layer) cost ~3x the screen-pop lookup's own work: ~300 of
~450 µs of server CPU a lookup (docs/performance.md, "The request path"). A route registered here is
answered straight from the ASGI scope when the request is the ordinary, successful case:

- the method and path are the route's own (no path parameters, no body, no root path);
- the bearer token is in the app's `TokenCache` (checked by `authorize` within the last few
  seconds), and its user's role is one `roles.ROUTE_ROLES` allows on the route, the same table and
  the same cache the full path uses;
- the route's handler accepts the query (it answers None for anything it does not handle itself).

Anything else (no token, an unknown or uncached token, a role refused, a query the handler does not
take, a request with a body) goes down FastAPI's path unchanged, which authenticates, refuses and
validates exactly as before: errors are never answered here, so every 401/403/422 is FastAPI's own.
A handler that fails answers the same 500 problem the app's error handler answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from agent_tui.domain.session import Role
from agent_tui.server.auth import AuthUser, TokenCache, bearer_token
from agent_tui.server.problems import problem_response
from agent_tui.server.roles import allowed_roles
from agent_tui.server.security import token_hash

log = logging.getLogger(__name__)

FastHandler = Callable[[Any, AuthUser, bytes], Awaitable[bytes | None]]
"""`(app.state, user, raw query string) -> JSON body of a 200, or None: let FastAPI's path answer`."""

_JSON_HEADERS = (b"content-type", b"application/json")


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One route answered by the fast lane when it can; FastAPI's route stays for everything else."""

    method: str
    path: str
    """The exact request path (the route must have no path parameters)."""
    handler: FastHandler


@dataclass(frozen=True, slots=True)
class _Entry:
    handler: FastHandler
    roles: frozenset[Role]


class FastLane:
    """The fast routes of one app; `answer` says whether it answered a request."""

    def __init__(self, state: Any, routes: Iterable[FastRoute]) -> None:
        self._state = state
        self._routes: dict[tuple[str, str], _Entry] = {}
        for route in routes:
            roles = allowed_roles(route.method, route.path)
            if roles is None:
                # A public route has no token to check, and nothing here would gain from it.
                raise ValueError(f"{route.method} {route.path} is public: not for the fast lane")
            self._routes[(route.method, route.path)] = _Entry(route.handler, roles)

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer `scope` when it is a fast route's ordinary case; False: FastAPI's path must answer it."""
        entry = self._routes.get((scope["method"], scope["path"]))
        if entry is None or scope.get("root_path"):
            return False
        authorization: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is None:  # the first one, as Starlette's `Headers.get` reads it
                    authorization = value
            elif name in (b"content-length", b"transfer-encoding") and value != b"0":
                return False  # a body: FastAPI's path reads (or refuses) it
        token = bearer_token((authorization or b"").decode("latin-1"))
        if token is None:
            return False
        cache: TokenCache = self._state.token_cache
        user = cache.get(token_hash(token))
        if user is None or user.role not in entry.roles:
            return False
        try:
            body = await entry.handler(self._state, user, scope["query_string"])
        except Exception:
            # As the app's error handler does (problems.install): logged here, a 500 problem out.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await problem_response(500, "internal error; see the server log", Request(scope))(
                scope, _no_body, send)
            return True
        if body is None:
            return False
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), _JSON_HEADERS]})
        await send({"type": "http.response.body", "body": body})
        return True


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def serve(lane: FastLane | None, scope: Scope, receive: Receive, send: Send,
                full: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
    """Answer a request through `lane` when it can, else through `full` (the whole app)."""
    if lane is not None and scope["type"] == "http" and await lane.answer(scope, send):
        return
    await full(scope, receive, send)
