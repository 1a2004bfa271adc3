"""`PUT /v1/agents/{username}/state` with a lean path for its ordinary request, FastAPI's for the rest.

Under the state-change benchmark FastAPI's per-route machinery cost far more than the change itself:
its request handler for this route (solving the dependencies: path parameter, body, user, writer; its
generic code; the response) was ~32% of the server's Python time, the batched write 2-3%
(docs/performance.md, "Agent state changes, third round"). `StateRoute` answers the ordinary request
(a JSON body of known length) itself, with the same steps in the same order as the FastAPI route:

1. `auth.authorize`, the app's global dependency (token, then the role table): 401/403 as before;
2. the body parsed with `json.loads` and validated as `AgentStateChange` in Python mode, as FastAPI does;
3. `refusal`: agents set only their own state, reason codes from the list (the route uses it too);
4. the change through the process's `StateWriter`; the agent answered as FastAPI would, byte for byte.

Anything else (no or another content type, a chunked body, JSON that does not parse or validate) goes
down FastAPI's own handler for the route, with the body already read (Starlette keeps it on the
request), so its 400/422 answers are unchanged.

`fast_change` is the same ordinary request for the server's fast lane (fastlane.py, `app.FAST_ROUTES`),
in front of the middlewares and the router: it answers only a change that goes through, and leaves
every refusal (the role, `refusal`, an unknown agent) to this route, which answers it as before.

The route stays an ordinary `APIRoute` for the OpenAPI document, the role table (`roles.unlisted`) and
the middlewares, which still run for every request FastAPI's path answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from agent_tui.domain.agent import DEFAULT_NOT_READY_REASONS, AgentStateChange, AgentStateName
from agent_tui.domain.session import Role
from agent_tui.server.auth import AuthUser, authorize
from agent_tui.server.problems import ProblemError
from agent_tui.server.state_changes import StateChange, StateWriter


def refusal(user: AuthUser, username: str, body: AgentStateChange) -> ProblemError | None:
    """Why `user` may not make this change (None: they may): the one copy of the route's own rules."""
    if user.role != Role.SUPERVISOR and username != user.username:
        return ProblemError(403, "an agent may set only their own state")
    if body.state == AgentStateName.NOT_READY and body.reason is not None \
            and body.reason not in DEFAULT_NOT_READY_REASONS:
        known = ", ".join(DEFAULT_NOT_READY_REASONS)
        return ProblemError(422, f"unknown reason code {body.reason!r} (known: {known})", field="body.reason")
    return None


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class StateRoute(APIRoute):
    """The state route: its ordinary request answered by `ordinary`, anything else by FastAPI's handler."""

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()

        async def handler(request: Request) -> Response:
            answer = await ordinary(request)
            return answer if answer is not None else await full(request)

        return handler


async def ordinary(request: Request) -> Response | None:
    """The answer to an ordinary state change, or None: FastAPI's handler must answer the request."""
    headers = request.headers
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    # A known length only: the body limit (limits.BodyLimit) has refused a longer one already.
    if media_type != "application/json" or "content-length" not in headers:
        return None
    user = await authorize(request)  # raises the 401/403 FastAPI's path would
    if user is None:  # a public route: never this one, but not ours to answer then
        return None
    try:
        body = AgentStateChange.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError):  # JSONDecodeError is a ValueError: FastAPI answers both
        return None
    username: str = request.path_params["username"]
    refused = refusal(user, username, body)
    if refused is not None:
        raise refused
    writer: StateWriter = request.app.state.state_writer
    agent = await writer.change(StateChange(username, body, by=user.username))
    return Response(agent.model_dump_json(), media_type="application/json")


async def fast_change(state: Any, user: AuthUser, username: str, raw: bytes) -> bytes | None:
    """The fast lane's answer to an ordinary change: the agent's JSON, or None: the route answers it."""
    try:
        body = AgentStateChange.model_validate(json.loads(raw))
    except (ValueError, ValidationError):
        return None
    if refusal(user, username, body) is not None:
        return None
    writer: StateWriter = state.state_writer
    try:
        agent = await writer.change(StateChange(username, body, by=user.username))
    except ProblemError:
        # Nothing was written (an unknown agent): the route tries again and answers the problem itself.
        return None
    return agent.model_dump_json().encode()
