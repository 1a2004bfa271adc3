"""Who may call what: one table from every route to the roles allowed on it.

A route missing from the table is refused for everybody (and a test walks every route of the app
against this table), so a new endpoint cannot be left open by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from agent_tui.domain.session import Role

PUBLIC = None
"""No token needed."""

EVERYONE = frozenset(Role)
AGENT = Role.AGENT
SUPERVISOR = Role.SUPERVISOR
TRAINER = Role.TRAINER
DESK = frozenset({AGENT, SUPERVISOR})
"""People who take calls and edit records."""
SUPERVISORS = frozenset({SUPERVISOR})
AGENTS = frozenset({AGENT})
"""Trainees: desks in training status."""
TRAINERS = frozenset({TRAINER})
TRAINING = frozenset({TRAINER, SUPERVISOR})
"""Who watches trainees."""
AGENTS_AND_TRAINERS = frozenset({AGENT, TRAINER})

ROUTE_ROLES: dict[tuple[str, str], frozenset[Role] | None] = {
    ("POST", "/v1/sessions"): PUBLIC,
    ("GET", "/v1/sessions/current"): EVERYONE,
    ("DELETE", "/v1/sessions/current"): EVERYONE,
    ("GET", "/v1/customers/lookup"): EVERYONE,
    ("GET", "/v1/customers"): EVERYONE,
    ("POST", "/v1/customers"): DESK,
    ("GET", "/v1/customers/{customer_id}"): EVERYONE,
    ("PATCH", "/v1/customers/{customer_id}"): DESK,
    ("GET", "/v1/customers/{customer_id}/history"): EVERYONE,
    ("GET", "/v1/tickets"): EVERYONE,
    ("POST", "/v1/tickets"): EVERYONE,
    ("GET", "/v1/tickets/{ticket_id}"): EVERYONE,
    ("PATCH", "/v1/tickets/{ticket_id}"): DESK,
    ("GET", "/v1/agents"): EVERYONE,
    ("GET", "/v1/agents/{username}/state"): EVERYONE,
    ("GET", "/v1/agents/{username}/figures"): DESK,
    ("PUT", "/v1/agents/{username}/state"): DESK,
    ("POST", "/v1/agents/{username}/commands"): SUPERVISORS,
    ("POST", "/v1/calls"): EVERYONE,
    ("GET", "/v1/calls/{call_id}"): EVERYONE,
    ("GET", "/v1/queues"): EVERYONE,
    ("GET", "/v1/events"): EVERYONE,
    ("GET", "/v1/screens"): EVERYONE,
    ("GET", "/v1/screens/{screen_id}"): EVERYONE,
    ("GET", "/v1/kb"): EVERYONE,
    ("GET", "/v1/notices"): EVERYONE,
    ("GET", "/v1/reasons"): EVERYONE,
    ("POST", "/v1/queue-events"): SUPERVISORS,
    ("GET", "/v1/wallboard"): SUPERVISORS,
    ("POST", "/v1/interventions"): SUPERVISORS,
    ("POST", "/v1/monitor-tokens"): SUPERVISORS,
    ("POST", "/v1/commands/{command_id}/ack"): EVERYONE,
    ("GET", "/v1/commands/{command_id}"): SUPERVISORS,
    ("POST", "/v1/raise-hand"): DESK,
    ("GET", "/v1/phone-config"): EVERYONE,
    ("GET", "/v1/audit"): SUPERVISORS,
    ("PUT", "/v1/recordings/{call_id}"): DESK,
    ("GET", "/v1/recordings"): DESK,
    ("GET", "/v1/recordings/{call_id}/audio"): EVERYONE,
    ("PUT", "/v1/recordings/{call_id}/model"): TRAINING,
    ("DELETE", "/v1/recordings/{call_id}/model"): TRAINING,
    ("GET", "/v1/model-calls"): EVERYONE,
    ("PUT", "/v1/qa/{call_id}"): SUPERVISORS,
    ("GET", "/v1/qa"): DESK,
    ("GET", "/v1/reports"): SUPERVISORS,
    ("GET", "/v1/callbacks"): DESK,
    ("POST", "/v1/callbacks/{callback_id}/claim"): DESK,
    ("POST", "/v1/callbacks/{callback_id}/done"): DESK,
    ("GET", "/v1/scenarios"): EVERYONE,
    ("GET", "/v1/scenarios/{scenario_id}"): EVERYONE,
    ("GET", "/v1/training/trainees"): TRAINING,
    ("PUT", "/v1/training/presence"): AGENTS,
    ("DELETE", "/v1/training/presence"): AGENTS,
    ("POST", "/v1/training/trainees/{username}/commands"): TRAINERS,
    ("POST", "/v1/training/progress"): AGENTS,
    ("POST", "/v1/training/attempts"): AGENTS_AND_TRAINERS,
    ("GET", "/v1/training/attempts"): EVERYONE,
    ("GET", "/v1/training/attempts/{attempt_key}"): EVERYONE,
    # --- w13-notify: return visits (回访) ---
    ("GET", "/v1/return-visits"): DESK,
    ("GET", "/v1/return-visits/given-up"): SUPERVISORS,
    ("POST", "/v1/return-visits/{visit_id}/claim"): DESK,
    ("POST", "/v1/return-visits/{visit_id}/attempts"): DESK,
    ("POST", "/v1/return-visits/{visit_id}/result"): DESK,
    # --- end w13-notify ---
    ("GET", "/v1/health"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}
"""(method, path template) → allowed roles, or PUBLIC."""


class UnlistedRoute(LookupError):
    """A route has no entry in `ROUTE_ROLES`."""


def allowed_roles(method: str, path: str) -> frozenset[Role] | None:
    """The roles allowed on a route (`None`: public); `HEAD` is judged as `GET`."""
    key = ("GET" if method == "HEAD" else method, path)
    if key not in ROUTE_ROLES:
        raise UnlistedRoute(f"{method} {path} has no entry in ROUTE_ROLES")
    return ROUTE_ROLES[key]


def iter_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, descending into included routers (HEAD left out)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from iter_routes(included.routes, prefix + str(getattr(context, "prefix", "") or ""))
            continue
        path = getattr(route, "path", None)
        for method in sorted(getattr(route, "methods", None) or ()):
            if path is not None and method != "HEAD":
                yield method, prefix + path


def unlisted(routes: Iterable[Any]) -> list[tuple[str, str]]:
    """The routes without a `ROUTE_ROLES` entry."""
    return [key for key in iter_routes(routes) if key not in ROUTE_ROLES]
