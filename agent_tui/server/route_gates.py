"""A gate in front of each included router: one regular expression says whether any of its routes can match.

FastAPI (0.16x) keeps every `include_router` as one entry of the app's route list and, for each request,
asks the entries in turn; an entry walks all its routes, each through several Python calls and scope
bookkeeping, before saying "no". The backend has ~23 routers: a request to one of the last paid ~100 µs
of server CPU for the walk alone (a 401 on `/v1/do-not-call` cost 254 µs against 155 µs in the middle
of the list, docs/performance.md). A gated router first matches the request path against one expression
made of all its routes' own path expressions; when that fails no route of it could match (neither fully
nor by path alone, the 405 case), and it answers "no match" at once. Otherwise it asks FastAPI as before,
so which route answers, and how, is unchanged.

Only plain routers are gated (every route an `APIRoute`, no nested router); any other is left alone,
and so is a router whose routes changed after the gate was made (its gate is dropped).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

try:  # FastAPI's included-router entry is private: older FastAPIs have none, and nothing to gate.
    from fastapi.routing import _EffectiveRouteContext, _IncludedRouter
except ImportError:  # pragma: no cover - another FastAPI
    _IncludedRouter = None  # type: ignore[assignment, misc]

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def gate_for(paths: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One expression matching exactly the paths one of `paths` matches (group names taken out)."""
    return re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', p.pattern)})" for p in paths))


if _IncludedRouter is not None:

    class GatedRouter(_IncludedRouter):
        """An included router that turns a request away at once when its gate does not match the path."""

        gate: re.Pattern[str] | None = None
        gate_version: int = -1

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            gate = self.gate
            if gate is not None and scope["type"] == "http":
                if self.original_router._routes_version != self.gate_version:
                    self.gate = None  # routes added since: ask FastAPI every time, as without a gate
                elif gate.match(get_route_path(scope)) is None:
                    return Match.NONE, {}
            result: tuple[Match, Scope] = super().matches(scope)
            return result


def install(app: FastAPI) -> int:
    """Put a gate in front of each plain included router of `app`; answer how many were gated."""
    if _IncludedRouter is None:  # pragma: no cover - another FastAPI
        return 0
    routes: list[Any] = app.router.routes
    gated = 0
    for index, entry in enumerate(routes):
        if type(entry) is not _IncludedRouter:
            continue
        paths = [c.path_regex for c in entry.effective_candidates()
                 if isinstance(c, _EffectiveRouteContext) and isinstance(c.original_route, APIRoute)]
        if not paths or len(paths) != len(entry.effective_candidates()):
            continue
        replacement = GatedRouter(original_router=entry.original_router,
                                  include_context=entry.include_context)
        replacement.gate = gate_for(paths)
        replacement.gate_version = entry.original_router._routes_version
        routes[index] = replacement
        gated += 1
    return gated
