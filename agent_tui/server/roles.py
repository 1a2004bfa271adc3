"""Who may call what, and who may write whose object: the one role table of the backend.

`ROUTE_ROLES` maps every route to the roles allowed on it. A route missing from the table is refused
for everybody (and a test walks every route of the app against this table), so a new endpoint cannot
be left open by accident. `WRITE_RULES` says, for every write route, whose object a role may write:
its own, someone else's (a correction, audited where the rule says so), or none. A test walks every
write route × role × own-versus-someone-else's object against it, and docs/roles.md is generated from
both tables (`python -m agent_tui.server.roles > docs/roles.md`; a test fails when it drifts).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from agent_tui.domain.session import Role

PUBLIC = None
"""No token needed."""

EVERYONE = frozenset({Role.AGENT, Role.SUPERVISOR, Role.TRAINER})
"""Every person who logs in (the `field` service role is not a person: it has its own routes below)."""
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
    ("POST", "/v1/calls"): DESK,
    ("GET", "/v1/calls/{call_id}"): EVERYONE,
    ("GET", "/v1/queues"): EVERYONE,
    ("GET", "/v1/events"): EVERYONE,
    ("GET", "/v1/screens"): EVERYONE,
    ("GET", "/v1/screens/{screen_id}"): EVERYONE,
    ("POST", "/v1/screens/reload"): SUPERVISORS,
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
    # --- w14-outbound: callbacks offered by the desk's dialer ---
    ("POST", "/v1/callbacks/next"): DESK,
    ("POST", "/v1/callbacks/{callback_id}/release"): DESK,
    ("POST", "/v1/callbacks/{callback_id}/reschedule"): DESK,
    # --- end w14-outbound ---
    ("GET", "/v1/scenarios"): EVERYONE,
    ("GET", "/v1/scenarios/{scenario_id}"): EVERYONE,
    ("GET", "/v1/training/trainees"): TRAINING,
    ("PUT", "/v1/training/presence"): AGENTS,
    ("DELETE", "/v1/training/presence"): AGENTS,
    ("POST", "/v1/training/trainees/{username}/commands"): TRAINERS,
    ("POST", "/v1/training/progress"): AGENTS,
    # --- w15-train: the desk directory (calls between desks without a registrar) ---
    ("GET", "/v1/directory"): EVERYONE,
    ("PUT", "/v1/directory/me"): DESK,
    ("DELETE", "/v1/directory/me"): DESK,
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

# --- the field side of the life cycle and escalation (issue 13) ----------------------------------
FIELD = frozenset({Role.FIELD})
"""Repair-centre and field-team systems: their own routes, and their own session."""
ROUTE_ROLES.update({
    ("GET", "/v1/sessions/current"): EVERYONE | FIELD,
    ("DELETE", "/v1/sessions/current"): EVERYONE | FIELD,
    ("GET", "/v1/field/orders"): FIELD,
    ("GET", "/v1/field/orders/{number}"): FIELD,
    ("POST", "/v1/field/orders/{number}/{step}"): FIELD,
    ("GET", "/v1/order-alerts"): SUPERVISORS,
    ("GET", "/v1/orders/{number}/timeline"): DESK,
})
# --- w13-monitor: the complaint loop ---
ROUTE_ROLES[("POST", "/v1/complaints/{number}/{step}")] = SUPERVISORS
# --- end w13-monitor ---

# --- the voice service: keypad satisfaction survey and voicemail (issue 14) -----------------------
VOICE = frozenset({Role.VOICE})
"""The survey and voicemail service (`agent-tui survey`): its own routes, and its own session."""
ROUTE_ROLES.update({
    ("GET", "/v1/sessions/current"): EVERYONE | FIELD | VOICE,
    ("DELETE", "/v1/sessions/current"): EVERYONE | FIELD | VOICE,
    ("POST", "/v1/calls/{call_id}/satisfaction"): VOICE,
    ("POST", "/v1/calls/{call_id}/survey-token"): DESK,  # w-survey
    ("PUT", "/v1/voicemails/{voicemail_id}"): VOICE | SUPERVISORS,
    ("GET", "/v1/voicemails/{voicemail_id}/audio"): DESK,
})

# --- w14-campaigns: outbound campaigns and the do-not-call list ---
ROUTE_ROLES.update({
    ("POST", "/v1/campaigns"): SUPERVISORS,
    ("GET", "/v1/campaigns"): SUPERVISORS,
    ("GET", "/v1/campaigns/{campaign_id}"): SUPERVISORS,
    ("POST", "/v1/campaigns/{campaign_id}/start"): SUPERVISORS,
    ("POST", "/v1/campaigns/{campaign_id}/pause"): SUPERVISORS,
    ("POST", "/v1/campaigns/{campaign_id}/finish"): SUPERVISORS,
    ("POST", "/v1/campaigns/next"): DESK,
    ("POST", "/v1/campaign-contacts/{contact_id}/outcome"): DESK,
    ("POST", "/v1/campaign-contacts/{contact_id}/release"): DESK,
    ("GET", "/v1/reports/campaigns"): SUPERVISORS,
    ("GET", "/v1/do-not-call"): SUPERVISORS,
    ("POST", "/v1/do-not-call"): DESK,
    ("DELETE", "/v1/do-not-call/{phone}"): SUPERVISORS,
})
# --- end w14-campaigns ---


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


# --- who may write whose object ------------------------------------------------------------------

NOBODY: frozenset[Role] = frozenset()


@dataclass(frozen=True, slots=True)
class WriteRule:
    """Whose object a role may write through one route.

    `own`: roles that may write their own object (a call they took, a ticket they filed, their own
    state...); `others`: roles that may write somebody else's. Where a route's object has no owner
    (a customer record, a queue event), both sets are the same and `owner` says so.
    """

    owner: str
    """What makes the object the caller's own."""
    own: frozenset[Role]
    others: frozenset[Role]
    rule: str
    """Who may create, who may change, who may correct (and whether that is audited), in words."""


SHARED = "nobody: a shared record"
TARGET = "nobody: it acts on the agent it names"

WRITE_RULES: dict[tuple[str, str], WriteRule] = {
    ("POST", "/v1/sessions"): WriteRule(
        "the username and password", EVERYONE, NOBODY,
        "Anyone logs in as themselves. Failed logins slow down per user and per address (at most 30 s "
        "between tries, never a lock the right password cannot pass); every back-off is audited."),
    ("DELETE", "/v1/sessions/current"): WriteRule(
        "the token of the request", EVERYONE, NOBODY, "Each user logs out only their own token."),
    ("POST", "/v1/customers"): WriteRule(
        SHARED, DESK, DESK, "Agents and supervisors add customers; an account number is unique."),
    ("PATCH", "/v1/customers/{customer_id}"): WriteRule(
        SHARED, DESK, DESK, "Agents and supervisors keep customer records up to date."),
    ("POST", "/v1/tickets"): WriteRule(
        "the ticket is filed as the caller", EVERYONE, NOBODY,
        "Anyone files a ticket; it is always filed under the caller's own name."),
    ("PATCH", "/v1/tickets/{ticket_id}"): WriteRule(
        "the agent who filed it", DESK, SUPERVISORS,
        "The filing agent changes anything. Supervisors of the filer's team (a supervisor without a team: "
        "every team) change anything; a change of another's ticket is audited as a correction. The "
        "order's life-cycle roles, i.e. agents of the filer's team (the return-visit work list) and "
        "members of the team it is assigned to, move its status, add notes and record the return "
        "visit, but neither reassign nor rewrite it. Anyone else: 403."),
    ("PUT", "/v1/agents/{username}/state"): WriteRule(
        "the agent named in the path", DESK, SUPERVISORS,
        "Agents set their own state; supervisors set anyone's."),
    ("POST", "/v1/agents/{username}/commands"): WriteRule(
        TARGET, SUPERVISORS, SUPERVISORS, "Supervisors command any desk; every command is audited."),
    ("POST", "/v1/calls"): WriteRule(
        "the agent of the call record", DESK, SUPERVISORS,
        "An agent writes only its own calls (a record without an agent is the caller's). A call id once "
        "owned is never re-owned: a re-post naming another agent, or by another agent, is refused and "
        "the stored record stays as it was. `training` is fixed at creation. Supervisors correct "
        "another agent's stored record (never its agent or `training`), audited as `call_corrected`."),
    ("POST", "/v1/queue-events"): WriteRule(
        "nobody: the PBX's record of its queues", SUPERVISORS, SUPERVISORS,
        "The PBX feed, posted with a supervisor's token."),
    ("POST", "/v1/interventions"): WriteRule(
        TARGET, SUPERVISORS, SUPERVISORS, "Supervisors intervene on any agent; audited."),
    ("POST", "/v1/monitor-tokens"): WriteRule(
        TARGET, SUPERVISORS, SUPERVISORS, "Supervisors monitor any agent; audited."),
    ("POST", "/v1/commands/{command_id}/ack"): WriteRule(
        "the agent the command was sent to", EVERYONE, NOBODY, "Only the commanded desk acknowledges."),
    ("POST", "/v1/raise-hand"): WriteRule(
        "the caller's own desk", DESK, NOBODY, "A desk raises its own hand; audited."),
    ("PUT", "/v1/recordings/{call_id}"): WriteRule(
        "the agent of the call", DESK, SUPERVISORS,
        "An agent uploads recordings of its own calls; supervisors upload any (kept under the call's "
        "agent). A stored recording is never replaced by other content."),
    ("PUT", "/v1/recordings/{call_id}/model"): WriteRule(
        SHARED, TRAINING, TRAINING, "Trainers and supervisors mark any recording as a model call."),
    ("DELETE", "/v1/recordings/{call_id}/model"): WriteRule(
        SHARED, TRAINING, TRAINING, "Trainers and supervisors unmark a model call; audited."),
    ("POST", "/v1/field/orders/{number}/{step}"): WriteRule(
        "the field team that received the order (before that: any field team)", FIELD, NOBODY,
        "A field system reports the steps of orders its team holds; another team's report is 403 and "
        "changes nothing; a recall releases the order; every step is audited."),
    ("POST", "/v1/return-visits/{visit_id}/claim"): WriteRule(
        "the agent who claimed it (an unclaimed return visit is anyone's)", DESK, NOBODY,
        "An agent or supervisor claims a due return visit before calling; one held by another is 409 "
        "naming the holder."),
    ("POST", "/v1/return-visits/{visit_id}/attempts"): WriteRule(
        "the agent who claimed it", DESK, SUPERVISORS,
        "The claiming agent records a call that did not reach the customer; a supervisor may for any "
        "agent; another agent's claim is 409."),
    ("POST", "/v1/return-visits/{visit_id}/result"): WriteRule(
        "the agent who claimed it", DESK, SUPERVISORS,
        "The claiming agent records the customer's opinion, which closes or reopens the order; a "
        "supervisor may for any agent; another agent's claim is 409."),
    ("POST", "/v1/screens/reload"): WriteRule(
        SHARED, SUPERVISORS, SUPERVISORS,
        "Supervisors load newer versions of the call screens; older versions stay for their orders."),
    ("PUT", "/v1/qa/{call_id}"): WriteRule(
        SHARED, SUPERVISORS, SUPERVISORS, "Supervisors score any agent's call."),
    ("POST", "/v1/callbacks/{callback_id}/claim"): WriteRule(
        "the agent who claimed it (an unclaimed callback is anyone's)", DESK, NOBODY,
        "A desk claims an unclaimed callback or keeps its own; another's claim is 409."),
    ("POST", "/v1/callbacks/{callback_id}/done"): WriteRule(
        "the agent who claimed it (an unclaimed callback is anyone's)", DESK, SUPERVISORS,
        "The claiming desk closes it; supervisors close anyone's."),
    ("POST", "/v1/callbacks/next"): WriteRule(
        "the caller's own desk", DESK, NOBODY,
        "A desk claims the next due callback for itself; two desks asking at once never get the same one."),
    ("POST", "/v1/callbacks/{callback_id}/release"): WriteRule(
        "the agent who claimed it (an unclaimed callback is anyone's)", DESK, SUPERVISORS,
        "The claiming desk gives it back with a reason; supervisors release anyone's; another's is 409."),
    ("POST", "/v1/callbacks/{callback_id}/reschedule"): WriteRule(
        "the agent who claimed it (an unclaimed callback is anyone's)", DESK, SUPERVISORS,
        "The claiming desk sets when to call again; supervisors reschedule anyone's; another's is 409."),
    ("PUT", "/v1/training/presence"): WriteRule(
        "the caller's own desk", AGENTS, NOBODY, "A trainee's desk announces itself."),
    ("PUT", "/v1/directory/me"): WriteRule(
        "the caller's own desk", DESK, NOBODY, "A desk without a registrar announces where it answers."),
    ("DELETE", "/v1/directory/me"): WriteRule(
        "the caller's own desk", DESK, NOBODY, "A closing desk withdraws its address."),
    ("DELETE", "/v1/training/presence"): WriteRule(
        "the caller's own desk", AGENTS, NOBODY, "A trainee's desk withdraws itself."),
    ("POST", "/v1/training/trainees/{username}/commands"): WriteRule(
        TARGET, TRAINERS, TRAINERS,
        "Trainers command any trainee; a launch is audited (it is what makes an attempt trainer-launched)."),
    ("POST", "/v1/training/progress"): WriteRule(
        "the caller's own desk", AGENTS, NOBODY, "A trainee's desk reports its own progress."),
    ("POST", "/v1/training/attempts"): WriteRule(
        "the trainee's own practice, or the trainer's own launch", AGENTS_AND_TRAINERS, NOBODY,
        "A trainee stores its own attempts: self-practice (no `launched_by`), or trainer-launched only "
        "when that trainer launched this attempt id for this trainee. A trainer (or the simulated caller "
        "with the trainer's login) stores attempts of its own launches. Nobody stores an attempt as "
        "launched by somebody else."),
    # --- w13-monitor: the complaint loop ---
    ("POST", "/v1/complaints/{number}/{step}"): WriteRule(
        "the team of the agent who filed the complaint", SUPERVISORS, SUPERVISORS,
        "Supervisors of the filer's team (a supervisor without a team: every team) assign a complaint to a "
        "department, record it handled, record the customer informed and close it, one step at a time; "
        "every step is audited with how it stands against the complaint limits. Agents: 403."),
    # --- end w13-monitor ---
    ("POST", "/v1/calls/{call_id}/satisfaction"): WriteRule(
        "nobody: the caller's score of a call", VOICE, VOICE,
        "Only the survey service stores a caller's keypad score (1-5), and only with the survey token the "
        "desk got for that call (none, expired or made for another call: 403, audited); a call is scored "
        "once: the same score again is harmless, another is 409 and the first stays."),
    ("POST", "/v1/calls/{call_id}/survey-token"): WriteRule(
        "the agent on the call (its live state, or its call record)", DESK, NOBODY,
        "A desk gets a survey token only for its own call, to send the caller to the keypad survey; for "
        "anyone else's call: 403, audited."),
    ("PUT", "/v1/voicemails/{voicemail_id}"): WriteRule(
        "nobody: a caller's message", VOICE | SUPERVISORS, VOICE | SUPERVISORS,
        "The voicemail service, or the PBX with a supervisor's token (as queue events), stores a WAV and "
        "its callback; other content under a stored id is 409. Agents play an unclaimed voicemail or "
        "their own callback's; supervisors any, audited."),
}
"""(method, path template) of every write route → whose object each role may write."""

# --- w14-campaigns ---
_CAMPAIGN_STATE = "Supervisors start, pause and finish any campaign (a move its state does not allow is 409)."
_STATE_RULE = WriteRule(SHARED, SUPERVISORS, SUPERVISORS, _CAMPAIGN_STATE)
_HOLDER = "the agent who holds the contact (claimed through /v1/campaigns/next)"
WRITE_RULES.update({
    ("POST", "/v1/campaigns"): WriteRule(
        SHARED, SUPERVISORS, SUPERVISORS,
        "Supervisors make campaigns (in the draft state) from a customer filter or an imported list."),
    ("POST", "/v1/campaigns/{campaign_id}/start"): _STATE_RULE,
    ("POST", "/v1/campaigns/{campaign_id}/pause"): _STATE_RULE,
    ("POST", "/v1/campaigns/{campaign_id}/finish"): _STATE_RULE,
    ("POST", "/v1/campaigns/next"): WriteRule(
        "the caller's own desk", DESK, NOBODY,
        "A desk claims the next contact for itself, only from running campaigns it is assigned to, within "
        "their calling hours, never a do-not-call number; each contact is held by one desk at a time."),
    ("POST", "/v1/campaign-contacts/{contact_id}/outcome"): WriteRule(
        _HOLDER, DESK, SUPERVISORS,
        "The holding desk records the call's outcome, once; a supervisor may for any agent; another "
        "agent's contact is 409."),
    ("POST", "/v1/campaign-contacts/{contact_id}/release"): WriteRule(
        _HOLDER, DESK, SUPERVISORS,
        "The holding desk gives its contact back; a supervisor may for any agent; another agent's is 409."),
    ("POST", "/v1/do-not-call"): WriteRule(
        SHARED, DESK, DESK, "Agents and supervisors put a number on the do-not-call list."),
    ("DELETE", "/v1/do-not-call/{phone}"): WriteRule(
        SHARED, SUPERVISORS, SUPERVISORS, "Only supervisors take a number off the do-not-call list."),
})
# --- end w14-campaigns ---


class TicketRight(enum.IntEnum):
    """How far a user may change one ticket (`ticket_right`)."""

    NONE = 0
    LIFE_CYCLE = 1
    """Move the status, add notes, record the return visit."""
    FULL = 2
    """Also reassign and rewrite the description."""


def ticket_right(
    role: Role, username: str, team: str | None, *, filer: str, filer_team: str | None, assignee: str | None
) -> TicketRight:
    """What `username` may change on a ticket filed by `filer` (the `PATCH /v1/tickets` rule above)."""
    if username == filer:
        return TicketRight.FULL
    if role == Role.SUPERVISOR and (team is None or team == filer_team):
        return TicketRight.FULL
    if team is not None and team in (filer_team, assignee):
        return TicketRight.LIFE_CYCLE
    return TicketRight.NONE


def write_routes(routes: Iterable[Any]) -> list[tuple[str, str]]:
    """(method, path) of every route that writes (anything but GET)."""
    return [key for key in iter_routes(routes) if key[0] != "GET"]


def _roles(roles: frozenset[Role] | None) -> str:
    if roles is None:
        return "public"
    return ", ".join(sorted(role.value for role in roles)) or "nobody"


def render_markdown() -> str:
    """docs/roles.md: both tables in words (generated; a test compares the file with this)."""
    lines = [
        "# Who may call what, and who may write whose object",
        "",
        "Generated from `agent_tui/server/roles.py` by `python -m agent_tui.server.roles > docs/roles.md`;",
        "`tests/server/test_owners.py` fails when this file and the code differ, and walks every write",
        "route × role × own-versus-someone-else's object against the second table.",
        "",
        "## Write routes",
        "",
        "| route | owner of the object | own: roles | someone else's: roles | rule |",
        "|---|---|---|---|---|",
    ]
    for (method, path), rule in WRITE_RULES.items():
        lines.append(f"| `{method} {path}` | {rule.owner} | {_roles(rule.own)} | {_roles(rule.others)} "
                     f"| {rule.rule} |")
    lines += ["", "## Read routes", "", "| route | roles |", "|---|---|"]
    for (method, path), roles in ROUTE_ROLES.items():
        if method == "GET":
            lines.append(f"| `{method} {path}` | {_roles(roles)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
