"""A lighter request path for the backend's hottest routes, in front of FastAPI's.

FastAPI's per-request machinery (its middleware layers, the router's walk over every included
router, dependency solving with its generic parameter extraction, Starlette's Request and Response
objects and the send wrappers of every layer) cost ~3x the screen-pop lookup's own work: ~300 of
~450 µs of server CPU a lookup (docs/performance.md, "The request path"). A route registered here is
answered straight from the ASGI scope when the request is the ordinary, successful case:

- the method and path are the route's own (no root path): an exact path and no body (`FastRoute`), or
  a path with one parameter and a JSON body of known, small length (`FastBodyRoute`);
- the bearer token is in the app's `TokenCache` (checked by `authorize` within the last few
  seconds), and its user's role is one `roles.ROUTE_ROLES` allows on the route, the same table and
  the same cache the full path uses;
- the route's handler accepts the query or body (it answers None for anything it does not handle itself).

Anything else (no token, an unknown or uncached token, a role refused, a query or body the handler does
not take, a body where none is expected) goes down FastAPI's path unchanged (a body already read is
handed to it again, message by message, so it reads the same request), which authenticates, refuses and
validates exactly as before: errors are never answered here, so every 401/403/422 is FastAPI's own.
A handler that fails answers the same 500 problem the app's error handler answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from agent_tui.domain.session import Role
from agent_tui.server.auth import AuthUser, TokenCache, bearer_token
from agent_tui.server.problems import problem_response
from agent_tui.server.roles import allowed_roles
from agent_tui.server.security import token_hash

log = logging.getLogger(__name__)

FastHandler = Callable[[Any, AuthUser, bytes], Awaitable[bytes | None]]
"""`(app.state, user, raw query string) -> JSON body of a 200, or None: let FastAPI's path answer`."""

BodyHandler = Callable[[Any, AuthUser, str, bytes], Awaitable[bytes | None]]
"""`(app.state, user, path parameter, raw JSON body) -> JSON body of a 200, or None: FastAPI's answers`."""

_JSON_HEADERS = (b"content-type", b"application/json")
MAX_FAST_BODY = 4096
"""The longest body the lane reads itself (the state route's are ~100 bytes): a longer one is FastAPI's."""


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One route answered by the fast lane when it can; FastAPI's route stays for everything else."""

    method: str
    path: str
    """The exact request path (the route must have no path parameters)."""
    handler: FastHandler


@dataclass(frozen=True, slots=True)
class FastBodyRoute:
    """A route with one path parameter and a JSON body, answered by the fast lane when it can."""

    method: str
    path: str
    """The route's path template with exactly one parameter segment, as in `/v1/agents/{username}/state`."""
    handler: BodyHandler


@dataclass(frozen=True, slots=True)
class _Entry:
    handler: FastHandler
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class _BodyEntry:
    method: str
    prefix: str
    suffix: str
    handler: BodyHandler
    roles: frozenset[Role]

    def parameter(self, method: str, path: str) -> str | None:
        """The path parameter when `method path` is this route's (Starlette's `str` convertor: `[^/]+`)."""
        if method != self.method or not path.startswith(self.prefix) or not path.endswith(self.suffix):
            return None
        value = path[len(self.prefix):len(path) - len(self.suffix)]
        return value if value and "/" not in value else None


class FastLane:
    """The fast routes of one app; `answer` says whether it answered a request."""

    def __init__(self, state: Any, routes: Iterable[FastRoute | FastBodyRoute]) -> None:
        self._state = state
        self._routes: dict[tuple[str, str], _Entry] = {}
        self._body_routes: list[_BodyEntry] = []
        for route in routes:
            prefix, brace, rest = route.path.partition("{")
            name, _, suffix = rest.partition("}")
            if isinstance(route, FastBodyRoute) and (not brace or not name or "{" in suffix
                                                     or not prefix.endswith("/")
                                                     or not (suffix == "" or suffix.startswith("/"))):
                raise ValueError(f"{route.path}: one whole-segment path parameter expected")
            roles = allowed_roles(route.method, route.path)
            if roles is None:
                # A public route has no token to check, and nothing here would gain from it.
                raise ValueError(f"{route.method} {route.path} is public: not for the fast lane")
            if isinstance(route, FastBodyRoute):
                self._body_routes.append(_BodyEntry(route.method, prefix, suffix, route.handler, roles))
            else:
                self._routes[(route.method, route.path)] = _Entry(route.handler, roles)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None when the lane answered `scope`; else the `receive` FastAPI's path must read it from."""
        entry = self._routes.get((scope["method"], scope["path"]))
        if scope.get("root_path"):
            return receive
        if entry is None:
            return await self._answer_body(scope, receive, send)
        authorization: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is None:  # the first one, as Starlette's `Headers.get` reads it
                    authorization = value
            elif name in (b"content-length", b"transfer-encoding") and value != b"0":
                return receive  # a body: FastAPI's path reads (or refuses) it
        user = self._user(authorization, entry.roles)
        if user is None:
            return receive
        return await self._run(scope, send, receive, entry.handler(self._state, user, scope["query_string"]))

    async def _answer_body(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        method: str = scope["method"]
        path: str = scope["path"]
        for entry in self._body_routes:
            parameter = entry.parameter(method, path)
            if parameter is not None:
                break
        else:
            return receive
        authorization: bytes | None = None
        content_type: bytes | None = None
        length: bytes | None = None
        for name, value in scope["headers"]:
            # The first of each, as Starlette's `Headers.get` reads them.
            if name == b"authorization":
                authorization = value if authorization is None else authorization
            elif name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"content-length":
                length = value if length is None else length
            elif name == b"transfer-encoding":
                return receive  # chunked: FastAPI's path (and the body limit) reads it
        # The ordinary request only, as `state_route.ordinary` takes it: JSON of a known, short length.
        if content_type is None or length is None or not length.isdigit():
            return receive
        if content_type.partition(b";")[0].strip().lower() != b"application/json":
            return receive
        size = int(length)
        if size > min(MAX_FAST_BODY, self._state.settings.max_body_bytes):
            return receive
        user = self._user(authorization, entry.roles)
        if user is None:
            return receive
        messages: list[Message] = []
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return _replay(messages, receive)  # a disconnect: FastAPI's path sees it as before
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if len(body) != size:
            return _replay(messages, receive)
        answered = await self._run(scope, send, receive,
                                   entry.handler(self._state, user, parameter, body))
        return None if answered is None else _replay(messages, receive)

    def _user(self, authorization: bytes | None, roles: frozenset[Role]) -> AuthUser | None:
        """The cached user of the bearer token when their role may use the route; None: FastAPI's path."""
        token = bearer_token((authorization or b"").decode("latin-1"))
        if token is None:
            return None
        cache: TokenCache = self._state.token_cache
        user = cache.get(token_hash(token))
        return user if user is not None and user.role in roles else None

    async def _run(self, scope: Scope, send: Send, receive: Receive,
                   answer: Awaitable[bytes | None]) -> Receive | None:
        try:
            body = await answer
        except Exception:
            # As the app's error handler does (problems.install): logged here, a 500 problem out.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await problem_response(500, "internal error; see the server log", Request(scope))(
                scope, _no_body, send)
            return None
        if body is None:
            return receive
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), _JSON_HEADERS]})
        await send({"type": "http.response.body", "body": body})
        return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` giving `messages` again, then whatever `receive` gives (a disconnect, later)."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def serve(lane: FastLane | None, scope: Scope, receive: Receive, send: Send,
                full: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
    """Answer a request through `lane` when it can, else through `full` (the whole app)."""
    if lane is not None and scope["type"] == "http":
        rest = await lane.answer(scope, receive, send)
        if rest is None:
            return
        receive = rest
    await full(scope, receive, send)
