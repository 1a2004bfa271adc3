"""Route gates (agent_tui/server/route_gates.py): a gated router matches exactly what FastAPI's own would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import Match

from agent_tui.server.app import create_app
from agent_tui.server.roles import iter_routes
from agent_tui.server.route_gates import GatedRouter, gate_for, install
from agent_tui.server.settings import ServerSettings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def concrete(template: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, template)


def scope_of(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"",
            "headers": []}


def test_gated_routers_match_as_fastapis_own(tmp_path: Path) -> None:
    app = create_app(ServerSettings.from_url(f"sqlite:///{tmp_path / 'gates.db'}"))
    gated = [entry for entry in app.router.routes if isinstance(entry, GatedRouter)]
    assert len(gated) >= 20, "every router of the backend is a plain one"
    plain = [_IncludedRouter(original_router=g.original_router, include_context=g.include_context)
             for g in gated]
    paths = {concrete(p, v) for _, p in iter_routes(app.routes) for v in ("1", "agent01", "x%20y")}
    paths |= {p + "/" for p in paths} | {"/", "/v1", "/v1/", "/nowhere", "/v1/customers/1/history/2"}
    turned_away = 0
    for path in sorted(paths):
        for method in METHODS:
            for gate, own in zip(gated, plain, strict=True):
                scope = scope_of(method, path)
                expected = own.matches(dict(scope))[0]
                assert gate.matches(dict(scope))[0] == expected, (method, path, own.include_context.prefix)
                turned_away += gate.gate is not None and gate.gate.match(path) is None
    assert turned_away > len(paths) * len(METHODS) * (len(gated) - 2), "the gates do turn requests away"


def test_a_router_changed_after_gating_is_asked_every_time() -> None:
    router = APIRouter(prefix="/v1/things")

    @router.get("/{thing_id}")
    def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    app = FastAPI()
    app.include_router(router)
    assert install(app) == 1
    gate = app.router.routes[-1]
    assert isinstance(gate, GatedRouter)
    assert gate.matches(scope_of("GET", "/v1/things/later/on"))[0] == Match.NONE

    @router.get("/{thing_id}/on")
    def later(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    assert gate.matches(scope_of("GET", "/v1/things/later/on"))[0] == Match.FULL
    assert gate.gate is None


@pytest.mark.parametrize(("path", "hit"), [("/v1/a/7", True), ("/v1/a/7/", False), ("/v1/b", True),
                                          ("/v1/b/c", False), ("/v1/a", False)])
def test_one_expression_for_all_routes(path: str, hit: bool) -> None:
    gate = gate_for([re.compile(r"^/v1/a/(?P<id>[^/]+)$"), re.compile(r"^/v1/b$"),
                     re.compile(r"^/v1/(?P<id>[0-9]+)/x$")])
    assert (gate.match(path) is not None) == hit
